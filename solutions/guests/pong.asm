; pong: a guest that answers on the vif's segment as 10.0.0.2: ARP requests for its address and
; ICMP echo requests to it, each reply built in assembly with both checksums computed afresh.
; It powers off after count=N (default 3) echo replies: book §9.2.
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

MY_IP equ 0x0200000a             ; 10.0.0.2, as its bytes sit in memory

section .text
main:
  call map_shared_info
  call evtchn_init
  call xs_init
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
  mov esi, listening
  call print
  mov esi, nf_mac
  call print_mac
  mov esi, crlf
  call print
.next:
  mov eax, [replies]
  cmp eax, [count]
  jae .done
  mov edi, frame_in
  call netfront_receive
  mov [frame_len], ecx
  cmp word [frame_in + ETH_type], ETHERTYPE_ARP_BE
  jne .ip
  call answer_arp
  jmp .next
.ip:
  cmp word [frame_in + ETH_type], ETHERTYPE_IP_BE
  jne .next
  call answer_echo
  jmp .next
.done:
  ret

; reply_to_sender: frame_out starts as frame_in with the Ethernet addresses turned around: to
; the sender, from us.
reply_to_sender:
  mov esi, frame_in
  mov edi, frame_out
  mov ecx, [frame_len]
  rep movsb
  mov esi, frame_in + ETH_src
  mov edi, frame_out + ETH_dst
  movsd
  movsw
  mov esi, nf_mac
  movsd
  movsw
  ret

; xenlab: region pong-arp from 09
; answer_arp: an Ethernet/IPv4 ARP request for MY_IP gets a reply: "MY_IP is at nf_mac", to the
; asker's hardware and protocol addresses.
answer_arp:
  cmp word [frame_in + ARP_htype], ARP_ETHER_BE
  jne .ignore
  cmp word [frame_in + ARP_ptype], ETHERTYPE_IP_BE
  jne .ignore
  cmp word [frame_in + ARP_oper], ARP_REQUEST_BE
  jne .ignore
  cmp dword [frame_in + ARP_tpa], MY_IP
  jne .ignore
  call reply_to_sender
  mov word [frame_out + ARP_oper], ARP_REPLY_BE
  mov esi, frame_in + ARP_sha               ; the asker's addresses become the target's
  mov edi, frame_out + ARP_tha
  movsd
  movsw
  mov eax, [frame_in + ARP_spa]
  mov [frame_out + ARP_tpa], eax
  mov esi, nf_mac
  mov edi, frame_out + ARP_sha
  movsd
  movsw
  mov dword [frame_out + ARP_spa], MY_IP
  mov esi, frame_out
  mov ecx, [frame_len]
  call netfront_send
  mov esi, arp_text
  call print
  mov esi, frame_in + ARP_spa
  call print_ip
  mov esi, crlf
  call print
.ignore:
  ret
; xenlab: end pong-arp

; xenlab: region pong-echo from 09
; answer_echo: an ICMP echo request to MY_IP whose IPv4 header and ICMP checksums are right
; gets its echo reply: addresses turned around, a fresh TTL, type 0, both checksums computed
; again. Anything else is ignored, as a host drops a datagram that is not for it.
answer_echo:
  cmp byte [frame_in + IP_vhl], 0x45
  jne .ignore
  cmp byte [frame_in + IP_proto], IPPROTO_ICMP
  jne .ignore
  cmp dword [frame_in + IP_dst], MY_IP
  jne .ignore
  cmp byte [frame_in + ICMP_type], ICMP_ECHO
  jne .ignore
  movzx ecx, word [frame_in + IP_len]
  xchg cl, ch
  add ecx, ETH_HLEN
  cmp ecx, [frame_len]
  ja .ignore
  sub ecx, ETH_HLEN + IP_HLEN                ; the ICMP message's length
  test ecx, 1
  jnz .ignore
  mov [icmp_len], ecx
  mov esi, frame_in
  call icmp_verify
  test eax, eax
  jnz .ignore
  call reply_to_sender
  mov eax, [frame_in + IP_src]
  mov [frame_out + IP_dst], eax
  mov dword [frame_out + IP_src], MY_IP
  mov byte [frame_out + IP_ttl], 64
  mov byte [frame_out + ICMP_type], ICMP_ECHOREPLY
  mov edi, frame_out
  mov ecx, [icmp_len]
  call icmp_checksums
  mov esi, frame_out
  mov ecx, [frame_len]
  call netfront_send
  inc dword [replies]
  mov esi, echo_text
  call print
  movzx eax, word [frame_in + ICMP_seq]
  xchg al, ah
  call print_dec
  mov esi, to_text
  call print
  mov esi, frame_in + IP_src
  call print_ip
  mov esi, crlf
  call print
.ignore:
  ret
; xenlab: end pong-echo

section .data
count_key: db "count=", 0
listening: db "pong: 10.0.0.2 is at ", 0
arp_text:  db "pong: ARP reply to ", 0
echo_text: db "pong: echo reply icmp_seq=", 0
to_text:   db " to ", 0
crlf:      db 13, 10, 0
count:     dd 0
replies:   dd 0
frame_len: dd 0
icmp_len:  dd 0

section .bss
frame_out: resb ETH_FRAME_LEN
frame_in:  resb ETH_FRAME_LEN
