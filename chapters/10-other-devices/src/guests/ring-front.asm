; Your working copy for chapter 10, generated from solutions/guests/ring-front.asm by npx xenlab stage.
; ring-front: a front end that sends count=N requests over a shared ring at pfn ring=P and checks
; every response: book §6.3. A request is {id, value}; the back end answers {id, value + 1}. It
; notifies on port evtchn=E when the ring's event index asks for it. The toolstack passes all
; three out of band; chapter 08's XenStore is the usual way.

%include "lib/head.asm"

VALUE_KEY     equ 0x5a5a5a5a           ; value = id XOR this, so every slot's content differs

section .text
main:
  mov esi, ring_key
  call cmdline_number
  mov [ring_pfn], eax
  mov esi, count_key
  call cmdline_number
  mov [count], eax
  mov esi, evtchn_key
  call cmdline_number
  mov [port], eax
  or eax, [count]
  or eax, [ring_pfn]
  cmp eax, -1
  je .usage
  mov eax, [ring_pfn]
  shl eax, 12
  mov ebx, front
  mov ecx, 8                           ; a slot holds a request or a response: 8 bytes
  call ring_front_init
.produce:
  mov eax, [sent]
  cmp eax, [count]
  jae .push
  call ring_free_requests
  test eax, eax
  jz .push
  mov eax, [ebx + FRONT_req_prod_pvt]
  call ring_slot
  mov ecx, [sent]
  mov [eax], ecx
  xor ecx, VALUE_KEY
  mov [eax + 4], ecx
  inc dword [ebx + FRONT_req_prod_pvt]
  inc dword [sent]
  jmp .produce
.push:
  call ring_push_requests_and_check_notify
  test eax, eax
  jz .consume
  inc dword [notifications]
  push ebx
  mov ebx, EVTCHNOP_send
  mov ecx, port                        ; struct evtchn_send { port }
  HYPERCALL __HYPERVISOR_event_channel_op
  pop ebx
.consume:
  call ring_unconsumed_responses
  test eax, eax
  jz .check
  mov eax, [ebx + FRONT_rsp_cons]
  call ring_slot
  mov ecx, [received]
  cmp [eax], ecx
  jne .wrong
  xor ecx, VALUE_KEY
  inc ecx
  cmp [eax + 4], ecx
  jne .wrong
  inc dword [ebx + FRONT_rsp_cons]
  inc dword [received]
  jmp .consume
.check:
  mov eax, [received]
  cmp eax, [count]
  je .done
  call ring_final_check_for_responses
  test eax, eax
  jnz .produce
  call yield                           ; would block until the back end's event (chapter 07)
  jmp .produce
.done:
  mov esi, done_text
  call print
  mov eax, [received]
  call print_dec
  mov esi, notified_text
  call print
  mov eax, [notifications]
  call print_dec
  mov esi, crlf
  call print
  ret
.wrong:
  mov esi, wrong_text
  call print
  mov eax, [received]
  call print_dec
  mov esi, crlf
  call print
  mov ebx, SHUTDOWN_crash
  call exit
.usage:
  mov esi, usage_text
  call print
  ret

section .data
ring_key:      db "ring=", 0
count_key:     db "count=", 0
evtchn_key:    db "evtchn=", 0
done_text:     db "ring-front: responses ", 0
notified_text: db ", notifications ", 0
wrong_text:    db "ring-front: wrong response ", 0
usage_text:    db "ring-front: boot with ring=PFN count=N evtchn=PORT on the command line", 13, 10, 0
crlf:          db 13, 10, 0
ring_pfn:      dd 0
count:         dd 0
port:          dd 0
sent:          dd 0
received:      dd 0
notifications: dd 0

section .bss
front: resb FRONT_size

%include "lib/barrier.asm"
%include "lib/gnttab.asm"
%include "lib/ring.asm"
