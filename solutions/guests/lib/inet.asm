; Ethernet, ARP, IPv4 and ICMP as two small guests speak them: header layouts, the Internet
; checksum, printing addresses: book §9.2; IEEE 802.3, RFC 826 (ARP), RFC 791 (IPv4), RFC 792
; (ICMP), RFC 1071 (computing the checksum).
; xenlab: file from 09
;
; Offsets are from the first byte of the Ethernet frame; every field on the wire is big-endian,
; so a 16-bit constant is stored with its bytes swapped (ETHERTYPE_ARP 0x0806 as the word
; 0x0608). Addresses are kept as the bytes the wire carries.

ETH_dst          equ 0
ETH_src          equ 6
ETH_type         equ 12
ETH_HLEN         equ 14
ETH_ZLEN         equ 60             ; the shortest frame, padding included (no FCS)
ETHERTYPE_IP_BE  equ 0x0008         ; 0x0800
ETHERTYPE_ARP_BE equ 0x0608         ; 0x0806

ARP_htype        equ ETH_HLEN + 0
ARP_ptype        equ ETH_HLEN + 2
ARP_hlen         equ ETH_HLEN + 4
ARP_plen         equ ETH_HLEN + 5
ARP_oper         equ ETH_HLEN + 6
ARP_sha          equ ETH_HLEN + 8
ARP_spa          equ ETH_HLEN + 14
ARP_tha          equ ETH_HLEN + 18
ARP_tpa          equ ETH_HLEN + 24
ARP_ETHER_BE     equ 0x0100         ; htype 1, Ethernet
ARP_REQUEST_BE   equ 0x0100         ; oper 1
ARP_REPLY_BE     equ 0x0200         ; oper 2

IP_vhl           equ ETH_HLEN + 0   ; version 4, header length 5 words: 0x45
IP_tos           equ ETH_HLEN + 1
IP_len           equ ETH_HLEN + 2
IP_id            equ ETH_HLEN + 4
IP_frag          equ ETH_HLEN + 6
IP_ttl           equ ETH_HLEN + 8
IP_proto         equ ETH_HLEN + 9
IP_sum           equ ETH_HLEN + 10
IP_src           equ ETH_HLEN + 12
IP_dst           equ ETH_HLEN + 16
IP_HLEN          equ 20
IPPROTO_ICMP     equ 1

ICMP_type        equ ETH_HLEN + IP_HLEN + 0
ICMP_code        equ ETH_HLEN + IP_HLEN + 1
ICMP_sum         equ ETH_HLEN + IP_HLEN + 2
ICMP_id          equ ETH_HLEN + IP_HLEN + 4
ICMP_seq         equ ETH_HLEN + IP_HLEN + 6
ICMP_data        equ ETH_HLEN + IP_HLEN + 8
ICMP_ECHOREPLY   equ 0
ICMP_ECHO        equ 8

section .text

; xenlab: region ip-checksum from 09
; ip_checksum: EAX = the Internet checksum of the ECX bytes at ESI (ECX even): the one's
; complement of the one's-complement sum of its 16-bit words, ready to store as a word. The sum
; is the same whichever byte order the words are read in (RFC 1071 §2(B)), so words are added
; as x86 loads them and the result is stored the same way. A header that carries its correct
; checksum sums to 0. Preserves every other register.
ip_checksum:
  push ecx
  push edx
  push esi
  xor eax, eax
  shr ecx, 1
.word:
  test ecx, ecx
  jz .fold
  movzx edx, word [esi]
  add eax, edx
  add esi, 2
  dec ecx
  jmp .word
.fold:
  mov edx, eax
  shr edx, 16
  and eax, 0xffff
  add eax, edx
  test eax, 0xffff0000
  jnz .fold
  not eax
  and eax, 0xffff
  pop esi
  pop edx
  pop ecx
  ret
; xenlab: end ip-checksum

; icmp_checksums: fills in both checksums of the IPv4/ICMP frame at EDI, whose ICMP message is
; ECX bytes long: the IPv4 header's, then the ICMP message's. Preserves every register.
icmp_checksums:
  push eax
  push esi
  mov word [edi + IP_sum], 0
  lea esi, [edi + ETH_HLEN]
  push ecx
  mov ecx, IP_HLEN
  call ip_checksum
  pop ecx
  mov [edi + IP_sum], ax
  mov word [edi + ICMP_sum], 0
  lea esi, [edi + ETH_HLEN + IP_HLEN]
  call ip_checksum
  mov [edi + ICMP_sum], ax
  pop esi
  pop eax
  ret

; icmp_verify: EAX = 0 when both checksums of the IPv4/ICMP frame at ESI are right, its ICMP
; message being ECX bytes long; the IPv4 header's is checked first. Preserves every other
; register.
icmp_verify:
  push ecx
  push esi
  add esi, ETH_HLEN
  push ecx
  mov ecx, IP_HLEN
  call ip_checksum
  pop ecx
  test eax, eax
  jnz .done
  add esi, IP_HLEN
  call ip_checksum
.done:
  pop esi
  pop ecx
  ret

; print_ip: prints the IPv4 address at ESI as a.b.c.d. Preserves every register.
print_ip:
  pushad
  mov edi, 4
.byte:
  movzx eax, byte [esi]
  call print_dec
  inc esi
  dec edi
  jz .done
  push esi
  mov esi, inet_dot
  call print
  pop esi
  jmp .byte
.done:
  popad
  ret

; print_mac: prints the MAC address at ESI as xx:xx:xx:xx:xx:xx. Preserves every register.
print_mac:
  pushad
  mov edi, 6
.byte:
  movzx eax, byte [esi]
  mov ebx, eax
  shr eax, 4
  mov al, [inet_hex + eax]
  mov [inet_pair], al
  and ebx, 15
  mov al, [inet_hex + ebx]
  mov [inet_pair + 1], al
  push esi
  mov esi, inet_pair
  call print
  pop esi
  inc esi
  dec edi
  jz .done
  push esi
  mov esi, inet_colon
  call print
  pop esi
  jmp .byte
.done:
  popad
  ret

section .data
inet_dot:   db ".", 0
inet_colon: db ":", 0
inet_hex:   db "0123456789abcdef"
inet_pair:  db 0, 0, 0
