; Your working copy for chapter 10, generated from solutions/guests/evtchn-storm.asm by npx xenlab stage.
; evtchn-storm: a guest that storms itself with events and checks that none is lost. It binds
; 40 IPI ports (two words of the bitmaps), then for each round sends on a port drawn from its
; seed, whose handler sends once more on another drawn port (maybe itself, maybe in the other
; word) while events are masked. After each send both handlers must have run since: the upcall
; is taken on the way back from the hypercall. A masked port must wait for its unmask. It
; prints how many rounds it ran and how many events were lost or came early: book §7.5.

%include "lib/head.asm"
%include "lib/time.asm"
%include "lib/gnttab.asm"
%include "lib/evtchn.asm"

NPORTS equ 40
ROUNDS equ 200

section .text
main:
  call map_shared_info
  call evtchn_init
  mov esi, seed_key
  call cmdline_number
  mov [seed], eax
  ; Bind the ports, each with on_event as its handler.
  xor edi, edi
.bind:
  call evtchn_bind_ipi
  test eax, eax
  js .failed
  mov [ports + edi * 4], eax
  mov dword [evtchn_handlers + eax * 4], on_event
  inc edi
  cmp edi, NPORTS
  jne .bind
  mov byte [shared_info + VCPU_INFO_evtchn_upcall_mask], 0   ; events on

  mov ebp, ROUNDS
.round:
  call draw_port
  mov ebx, eax                  ; p: sent now
  call draw_port
  mov [chain + ebx * 4], eax    ; q: sent by p's handler, once
  mov edi, eax
  mov ecx, [count + ebx * 4]
  mov eax, ebx
  call evtchn_send
  cmp [count + ebx * 4], ecx    ; p handled since the send?
  jne .p_seen
  inc dword [lost]
.p_seen:
  mov ecx, [chain_seen]
  cmp [count + edi * 4], ecx    ; q handled since its send?
  ja .q_seen
  inc dword [lost]
.q_seen:
  dec ebp
  jnz .round

  ; A masked port waits: raise it, then raise a port of the same word, which is delivered.
  mov ebx, [ports + 5 * 4]
  lock bts [shared_info + SHARED_INFO_evtchn_mask], ebx
  mov ecx, [count + ebx * 4]
  mov eax, ebx
  call evtchn_send
  mov eax, [ports + 6 * 4]
  call evtchn_send
  cmp [count + ebx * 4], ecx
  je .waited
  inc dword [early]
.waited:
  mov eax, ebx
  call evtchn_unmask            ; pending while masked: Xen raises it now
  cmp [count + ebx * 4], ecx
  jne .report
  inc dword [lost]

.report:
  mov esi, rounds_text
  call print
  mov eax, ROUNDS
  call print_dec
  mov esi, lost_text
  call print
  mov eax, [lost]
  call print_dec
  mov esi, early_text
  call print
  mov eax, [early]
  call print_dec
  mov esi, newline
  call print
  ret
.failed:
  mov esi, cannot_bind
  call print
  ret

; draw_port: EAX = one of the bound ports, drawn with the seed (an LCG). Preserves the rest.
draw_port:
  push edx
  mov eax, [seed]
  imul eax, eax, 1103515245
  add eax, 12345
  mov [seed], eax
  shr eax, 16
  xor edx, edx
  push ecx
  mov ecx, NPORTS
  div ecx
  pop ecx
  mov eax, [ports + edx * 4]
  pop edx
  ret

; on_event: a port's handler (EAX = the port). Counts it; the first time after a round drew
; it, sends once on its chained port, noting that port's count at the send.
on_event:
  inc dword [count + eax * 4]
  mov ecx, [chain + eax * 4]
  test ecx, ecx
  jz .done
  mov dword [chain + eax * 4], 0
  mov edx, [count + ecx * 4]
  mov [chain_seen], edx
  mov eax, ecx
  call evtchn_send
.done:
  ret

section .data
seed_key:    db "seed=", 0
rounds_text: db "rounds ", 0
lost_text:   db ", lost ", 0
early_text:  db ", early ", 0
newline:     db 13, 10, 0
cannot_bind: db "cannot bind an IPI port", 13, 10, 0
seed:        dd 0
lost:        dd 0
early:       dd 0
chain_seen:  dd 0

section .bss
alignb 4
ports: resd NPORTS
count: resd NR_EVENT_CHANNELS
chain: resd NR_EVENT_CHANNELS
