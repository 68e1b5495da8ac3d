; Your working copy for chapter 10, generated from solutions/guests/lib/hypercall.asm by npx xenlab stage.
; The hypercall page: one page of the kernel image that Xen fills with 32-byte stubs before the
; guest starts (the HYPERCALL_PAGE note points at it): book §2.3; Xen docs/xen-abi.md §1.4.

section .text
align 4096
hypercall_page:
  times 4096 db 0
