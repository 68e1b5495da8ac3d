; Your working copy for chapter 10, generated from solutions/guests/lib/exit.asm by npx xenlab stage.
; Leaving: sched_op(SCHEDOP_shutdown, &sched_shutdown) with the reason in EBX: book §2.7;
; Xen public/sched.h.

section .text

; exit: shuts the domain down with reason EBX (SHUTDOWN_*). Does not return.
exit:
  push ebx                      ; struct sched_shutdown { reason } on the stack
  mov ecx, esp
  mov ebx, SCHEDOP_shutdown
  HYPERCALL __HYPERVISOR_sched_op
.hang:
  jmp .hang                     ; only reached if Xen refused the shutdown
