; Your working copy for chapter 10, generated from solutions/guests/crash.asm by npx xenlab stage.
; crash: a guest that writes to an address it never mapped. With no trap table registered yet,
; Xen cannot reflect the page fault and crashes the domain, printing a report: book §2.7.

%include "lib/head.asm"

UNMAPPED equ 0x40000000         ; far above the bootstrap region

section .text
main:
  mov esi, about_to_fault
  call print
  mov dword [UNMAPPED], 0xdeadbeef
  ret                           ; never reached

section .data
about_to_fault: db "Writing to an unmapped page...", 13, 10, 0
