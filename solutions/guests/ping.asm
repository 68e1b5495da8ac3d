; ping: a guest that finds its peer on the vif's segment and pings it. It broadcasts an ARP
; request for 10.0.0.2, learns the MAC from the reply, then sends count=N (default 3) ICMP echo
; requests and checks each reply — addresses, id, sequence, both checksums, the data echoed
; byte for byte — printing it as ping(8) does: book §9.2.
; xenlab: file from 09

%include "lib/head.asm"
%include "lib/time.asm"
%include "lib/evtchn.asm"
%include "lib/barrier.asm"
%include "lib/gnttab.asm"
%include "lib/ring.asm"
%include "lib/xenstore.asm"
%include "lib/xenbus.asm"
%include "lib/netfront.asm"
%include "lib/inet.asm"

MY_IP     equ 0x0100000a         ; 10.0.0.1, as its bytes sit in memory
PEER_IP   equ 0x0200000a         ; 10.0.0.2
ECHO_ID   equ 0x2109
DATA_LEN  equ 56                 ; ping(8)'s default: 64 bytes of ICMP
ECHO_LEN  equ ICMP_data + DATA_LEN
ARP_RETRY equ 2000000            ; ns: ask again after 2 ms of virtual time without an answer

section .text
; xenlab: region ping-main from 09
main:
  call map_shared_info
  call evtchn_init
  call xs_init
  mov eax, VIRQ_TIMER
  call evtchn_bind_virq
  test eax, eax
  js .done
  mov dword [evtchn_handlers + eax * 4], timer_tick
  call netfront_init
  test eax, eax
  jnz .done
  mov esi, count_key
  call cmdline_number
  cmp eax, -1
  jne .count
  mov eax, 3
.count:
  mov [count], eax
  call resolve_peer
.ping:
  mov eax, [sent]
  cmp eax, [count]
  jae .summary
  inc dword [sent]
  call echo
  jmp .ping
.summary:
  mov esi, prefix
  call print
  mov eax, [sent]
  call print_dec
  mov esi, transmitted
  call print
  mov eax, [received]
  call print_dec
  mov esi, received_text
  call print
.done:
  ret
; xenlab: end ping-main

; resolve_peer: broadcasts "who has PEER_IP?" and waits for the answer, asking again every
; ARP_RETRY ns (the peer may not be on the segment yet); the peer's MAC goes to peer_mac.
resolve_peer:
  mov edi, frame_out
  mov ecx, ETH_ZLEN
  xor eax, eax
  rep stosb
  mov edi, frame_out
  mov eax, -1
  mov [edi + ETH_dst], eax
  mov [edi + ETH_dst + 4], ax
  mov esi, nf_mac
  lea edi, [frame_out + ETH_src]
  movsd
  movsw
  mov word [frame_out + ETH_type], ETHERTYPE_ARP_BE
  mov word [frame_out + ARP_htype], ARP_ETHER_BE
  mov word [frame_out + ARP_ptype], ETHERTYPE_IP_BE
  mov byte [frame_out + ARP_hlen], 6
  mov byte [frame_out + ARP_plen], 4
  mov word [frame_out + ARP_oper], ARP_REQUEST_BE
  mov esi, nf_mac
  lea edi, [frame_out + ARP_sha]
  movsd
  movsw
  mov dword [frame_out + ARP_spa], MY_IP
  mov dword [frame_out + ARP_tpa], PEER_IP
  mov esi, who_has
  call print
  mov esi, peer_ip
  call print_ip
  mov esi, crlf
  call print
.ask:
  mov esi, frame_out
  mov ecx, ETH_ZLEN
  call netfront_send
  mov dword [timer_fired], 0
  call get_system_time
  add eax, ARP_RETRY
  adc edx, 0
  mov ebx, eax
  mov ecx, edx
  HYPERCALL __HYPERVISOR_set_timer_op
.wait:
  mov edi, frame_in
  call netfront_poll
  test ecx, ecx
  jnz .frame
  cmp dword [timer_fired], 0
  jne .ask
  call block
  jmp .wait
.frame:
  cmp word [frame_in + ETH_type], ETHERTYPE_ARP_BE
  jne .wait
  cmp word [frame_in + ARP_oper], ARP_REPLY_BE
  jne .wait
  cmp dword [frame_in + ARP_spa], PEER_IP
  jne .wait
  xor ebx, ebx                             ; no more asking: the timer is cancelled
  xor ecx, ecx
  HYPERCALL __HYPERVISOR_set_timer_op
  mov esi, frame_in + ARP_sha
  mov edi, peer_mac
  movsd
  movsw
  mov esi, prefix
  call print
  mov esi, peer_ip
  call print_ip
  mov esi, is_at
  call print
  mov esi, peer_mac
  call print_mac
  mov esi, crlf
  call print
  ret

; timer_tick: the VIRQ_TIMER handler: the ARP request's time is up.
timer_tick:
  mov dword [timer_fired], 1
  ret

; echo: sends echo request number [sent] and waits for its reply.
echo:
  mov esi, peer_mac
  mov edi, frame_out + ETH_dst
  movsd
  movsw
  mov esi, nf_mac
  movsd
  movsw
  mov word [frame_out + ETH_type], ETHERTYPE_IP_BE
  mov byte [frame_out + IP_vhl], 0x45
  mov byte [frame_out + IP_tos], 0
  mov ax, ECHO_LEN - ETH_HLEN
  xchg al, ah
  mov [frame_out + IP_len], ax
  mov eax, [sent]
  xchg al, ah
  mov [frame_out + IP_id], ax
  mov word [frame_out + IP_frag], 0x0040   ; don't fragment
  mov byte [frame_out + IP_ttl], 64
  mov byte [frame_out + IP_proto], IPPROTO_ICMP
  mov dword [frame_out + IP_src], MY_IP
  mov dword [frame_out + IP_dst], PEER_IP
  mov byte [frame_out + ICMP_type], ICMP_ECHO
  mov byte [frame_out + ICMP_code], 0
  mov ax, ECHO_ID
  xchg al, ah
  mov [frame_out + ICMP_id], ax
  mov eax, [sent]
  xchg al, ah
  mov [frame_out + ICMP_seq], ax
  mov ecx, DATA_LEN                        ; the data: seq + 0, seq + 1, ...
  mov eax, [sent]
  mov edi, frame_out + ICMP_data
.data:
  stosb
  inc eax
  loop .data
  mov edi, frame_out
  mov ecx, ECHO_LEN - ETH_HLEN - IP_HLEN
  call icmp_checksums
  mov esi, frame_out
  mov ecx, ECHO_LEN
  call netfront_send
.wait:
  mov edi, frame_in
  call netfront_receive
  cmp ecx, ECHO_LEN
  jne .wait
  call is_our_reply
  test eax, eax
  jz .wait
  inc dword [received]
  mov esi, prefix
  call print
  mov eax, ECHO_LEN - ETH_HLEN - IP_HLEN
  call print_dec
  mov esi, bytes_from
  call print
  mov esi, frame_in + IP_src
  call print_ip
  mov esi, seq_text
  call print
  mov eax, [sent]
  call print_dec
  mov esi, ttl_text
  call print
  movzx eax, byte [frame_in + IP_ttl]
  call print_dec
  mov esi, crlf
  call print
  ret

; is_our_reply: EAX = 1 when frame_in is the echo reply to frame_out: from the peer to us, IPv4
; header and ICMP checksums right, our id and sequence, our data.
is_our_reply:
  xor eax, eax
  cmp word [frame_in + ETH_type], ETHERTYPE_IP_BE
  jne .no
  cmp byte [frame_in + IP_proto], IPPROTO_ICMP
  jne .no
  cmp dword [frame_in + IP_src], PEER_IP
  jne .no
  cmp dword [frame_in + IP_dst], MY_IP
  jne .no
  cmp byte [frame_in + ICMP_type], ICMP_ECHOREPLY
  jne .no
  mov esi, frame_in
  mov ecx, ECHO_LEN - ETH_HLEN - IP_HLEN
  call icmp_verify
  test eax, eax
  jnz .no
  mov eax, [frame_out + ICMP_id]           ; id and sequence together
  cmp [frame_in + ICMP_id], eax
  jne .no
  mov esi, frame_in + ICMP_data
  mov edi, frame_out + ICMP_data
  mov ecx, DATA_LEN
  repe cmpsb
  jne .no
  mov eax, 1
  ret
.no:
  xor eax, eax
  ret

section .data
count_key:     db "count=", 0
prefix:        db "ping: ", 0
who_has:       db "ping: who has ", 0
is_at:         db " is at ", 0
bytes_from:    db " bytes from ", 0
seq_text:      db ": icmp_seq=", 0
ttl_text:      db " ttl=", 0
transmitted:   db " packets transmitted, ", 0
received_text: db " received", 13, 10, 0
crlf:          db 13, 10, 0
peer_ip:       dd PEER_IP
count:         dd 0
sent:          dd 0
received:      dd 0
timer_fired:   dd 0

section .bss
peer_mac:  resb 8
frame_out: resb ETH_FRAME_LEN
frame_in:  resb ETH_FRAME_LEN
