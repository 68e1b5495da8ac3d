; Your working copy for chapter 10, generated from solutions/guests/lib/head.asm by npx xenlab stage.
; A guest kernel's entry and its Xen notes: what the domain builder reads and where it jumps:
; book §2.1–2.2; Xen public/elfnote.h; Mini-OS arch/x86/x86_32.S.
;
; The kernel is linked at 0, so virtual = pseudo-physical (VIRT_BASE 0, as Mini-OS). Xen enters
; _start in ring 1 with ESI = start_info and ESP at the top of the boot stack. The program
; including this file defines `main`; returning from it powers the domain off.

%include "lib/xen.inc"

; One Xen note: namesz, descsz, type, "Xen\0", then the descriptor, each padded to 4 bytes.
%macro ELFNOTE 2
  align 4
  dd 4, %%desc_end - %%desc, %1
  db "Xen", 0
%%desc:
  %2
%%desc_end:
  align 4
%endmacro

section .note.Xen
  ELFNOTE XEN_ELFNOTE_GUEST_OS, {db "xenlab", 0}
  ELFNOTE XEN_ELFNOTE_LOADER, {db "generic", 0}
  ELFNOTE XEN_ELFNOTE_XEN_VERSION, {db "xen-3.0", 0}
  ELFNOTE XEN_ELFNOTE_PAE_MODE, {db "yes", 0}
  ELFNOTE XEN_ELFNOTE_VIRT_BASE, {dd 0}
  ELFNOTE XEN_ELFNOTE_PADDR_OFFSET, {dd 0}
  ELFNOTE XEN_ELFNOTE_ENTRY, {dd _start}
  ELFNOTE XEN_ELFNOTE_HYPERCALL_PAGE, {dd hypercall_page}

section .text
_start:
  mov [start_info], esi
  call main
  mov ebx, SHUTDOWN_poweroff
  call exit

section .data
; The start_info page's address, as Xen passed it in ESI.
start_info: dd 0

%include "lib/hypercall.asm"
%include "lib/console.asm"
%include "lib/exit.asm"
