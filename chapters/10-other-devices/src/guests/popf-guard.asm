; Your working copy for chapter 10, generated from solutions/guests/popf-guard.asm by npx xenlab stage.
; popf-guard: a kernel that turns interrupts off for a critical section by loading EFLAGS with
; IF = 0 (POPF), and counts the timer ticks that still got in. Correct on the bare machine,
; wrong when run deprivileged as it is (POPF ignores IF without trapping), correct again once
; the rewriter has patched its POPFs: book §1.4, §1.5.1.

bits 32
org 0

section .text
start:
  lidt [idt_pointer]            ; privileged: traps, the monitor loads the virtual IDTR
  sti                           ; privileged: traps, the monitor sets the virtual IF
  mov ebx, [ticks]
.first_tick:                    ; the timer works: wait for one tick
  cmp [ticks], ebx
  je .first_tick
  mov esi, timer_works
  call print

  pushfd                        ; save the caller's EFLAGS (IF = 1)
  pushfd
  and dword [esp], ~IF_MASK
  popfd                         ; IF = 0: no interrupt from here ...
  mov ebx, [ticks]
  mov ecx, CRITICAL_LOOPS       ; ... through several timer periods of work ...
.work:
  dec ecx
  jnz .work
  mov eax, [ticks]
  sub eax, ebx                  ; EAX = ticks that arrived inside the critical section
  popfd                         ; ... to here: IF = 1 again

  mov edi, eax                  ; print clobbers EAX and ESI
  mov esi, critical_section
  call print
  test edi, edi
  jnz .interrupted
  mov esi, not_interrupted
  call print
  jmp .after
.interrupted:
  mov esi, interrupted
  call print
  mov eax, edi
  call print_dec
  mov esi, times
  call print
.after:
  mov ebx, [ticks]
.next_tick:                     ; interrupts are on again: one more tick must come
  cmp [ticks], ebx
  je .next_tick
  mov esi, timer_again
  call print
  hlt                           ; privileged: the monitor stops the guest

; The timer handler, through a trap gate (IF stays as it was).
timer_interrupt:
  inc dword [ticks]
  iretd

%include "lib/port-console.asm"

IF_MASK equ 0x200
CRITICAL_LOOPS equ 2000
TIMER_VECTOR equ 0x20

section .data
align 8
idt:
  times TIMER_VECTOR dq 0
  ; vector 0x20: a present DPL-0 32-bit trap gate to 0x10:timer_interrupt (ring 0's code
  ; segment; under the monitor the handler runs in the guest's own ring)
  dw timer_interrupt, 0x10
  db 0, 0x8f
  dw 0
idt_end:
idt_pointer:
  dw idt_end - idt - 1
  dd idt
ticks: dd 0
timer_works:      db "timer: ticking", 10, 0
critical_section: db "critical section with IF=0: ", 0
not_interrupted:  db "not interrupted", 10, 0
interrupted:      db "interrupted ", 0
times:            db " times", 10, 0
timer_again:      db "timer: ticking again", 10, 0
