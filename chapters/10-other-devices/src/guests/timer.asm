; Your working copy for chapter 10, generated from solutions/guests/timer.asm by npx xenlab stage.
; timer: a guest that sleeps. It binds VIRQ_TIMER, then five times sets its single-shot timer
; a millisecond ahead with set_timer_op and blocks; the upcall of the tick wakes it, and it
; prints when it woke against the deadline it asked for: book §7.7.

%include "lib/head.asm"
%include "lib/time.asm"
%include "lib/evtchn.asm"

TICKS    equ 5
INTERVAL equ 1000000            ; ns: one millisecond of virtual time

section .text
main:
  call map_shared_info
  call evtchn_init
  mov eax, VIRQ_TIMER
  call evtchn_bind_virq
  test eax, eax
  js .failed
  mov dword [evtchn_handlers + eax * 4], timer_tick
  mov edi, TICKS
.tick:
  call get_system_time
  add eax, INTERVAL
  adc edx, 0
  mov [deadline], eax
  mov [deadline + 4], edx
  mov ebx, eax
  mov ecx, edx
  HYPERCALL __HYPERVISOR_set_timer_op
  mov ebp, [ticks]
.sleep:
  call block
  cmp [ticks], ebp              ; woken for something else: sleep again
  je .sleep
  mov esi, woke
  call print
  mov eax, [woke_at]
  mov edx, [woke_at + 4]
  call print_ns
  mov esi, asked
  call print
  mov eax, [deadline]
  mov edx, [deadline + 4]
  call print_ns
  mov esi, newline
  call print
  dec edi
  jnz .tick
  ret
.failed:
  mov esi, cannot_bind
  call print
  ret

; timer_tick: the VIRQ_TIMER handler. Records when it ran.
timer_tick:
  call get_system_time
  mov [woke_at], eax
  mov [woke_at + 4], edx
  inc dword [ticks]
  ret

section .data
woke:        db "woke at ", 0
asked:       db " s, deadline ", 0
newline:     db " s", 13, 10, 0
cannot_bind: db "cannot bind VIRQ_TIMER", 13, 10, 0
ticks:       dd 0
deadline:    dd 0, 0
woke_at:     dd 0, 0
