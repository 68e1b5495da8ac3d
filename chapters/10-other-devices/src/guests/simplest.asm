; Your working copy for chapter 10, generated from solutions/guests/simplest.asm by npx xenlab stage.
; simplest: the smallest complete Xen kernel — it greets, prints the command line Xen gave it in
; start_info, and powers off. Self-contained, in the old style: its parameters are a
; `__xen_guest` string rather than ELF notes: book §2.8.

%include "lib/xen.inc"

; The legacy way to describe a PV kernel to the domain builder: one NUL-terminated string of
; NAME=VALUE pairs in a section named __xen_guest. Linked at 0, so virtual = pseudo-physical;
; the hypercall page is page 1 of the image.
section __xen_guest
  db "GUEST_OS=xenlab-simplest,XEN_VER=xen-3.0,VIRT_BASE=0x0,ELF_PADDR_OFFSET=0x0,"
  db "HYPERCALL_PAGE=0x1,LOADER=generic,PAE=yes", 0

section .text
; Xen enters here in ring 1 with ESI = start_info and ESP at the top of its boot stack. The
; kernel switches to a stack of its own and calls start_kernel(start_info).
_start:
  cld
  mov esp, stack_top
  push esi
  call start_kernel
.hang:
  jmp .hang                     ; start_kernel does not return

; start_kernel(start_info): prints "Hello, Xen!" and "Command line: " followed by
; start_info.cmd_line, each line ending in CR LF, through console_io(CONSOLEIO_write), then
; shuts the domain down with sched_op(SCHEDOP_shutdown, &{SHUTDOWN_poweroff}).
start_kernel:
  mov ebx, CONSOLEIO_write
  mov ecx, greeting_length
  mov edx, greeting
  HYPERCALL __HYPERVISOR_console_io
  mov edx, [esp + 4]            ; start_info
  add edx, START_INFO_cmd_line
  xor ecx, ecx                  ; strlen(cmd_line)
.length:
  cmp byte [edx + ecx], 0
  je .print
  inc ecx
  jmp .length
.print:
  mov ebx, CONSOLEIO_write
  HYPERCALL __HYPERVISOR_console_io
  mov ebx, CONSOLEIO_write
  mov ecx, 2
  mov edx, crlf
  HYPERCALL __HYPERVISOR_console_io
  push dword SHUTDOWN_poweroff  ; struct sched_shutdown { reason }
  mov ecx, esp
  mov ebx, SCHEDOP_shutdown
  HYPERCALL __HYPERVISOR_sched_op
  jmp $                         ; only reached if Xen refused the shutdown

; The hypercall page: Xen fills it with one 32-byte stub per hypercall (HYPERCALL_PAGE=0x1).
align 4096
hypercall_page:
  times 4096 db 0

section .data
greeting:        db "Hello, Xen!", 13, 10, "Command line: "
greeting_length  equ $ - greeting
crlf:            db 13, 10

section .bss
alignb 16
stack:           resb 4096
stack_top:
