; Your working copy for chapter 09, generated from solutions/guests/lib/netfront.asm by npx xenlab stage.
; The network front end of a guest kernel: vif 0's two rings, its buffers granted to the back
; end, the XenBus handshake, sending and receiving Ethernet frames: book §9.2.1–9.2.3; Xen
; public/io/netif.h, docs/xen-abi.md §12.2; Mini-OS netfront.c (init_netfront, netfront_xmit).
;
; The kernel includes lib/head.asm, lib/time.asm, lib/evtchn.asm, lib/barrier.asm,
; lib/gnttab.asm, lib/ring.asm, lib/xenstore.asm and lib/xenbus.asm, and calls map_shared_info,
; evtchn_init and xs_init before netfront_init. Every page the back end touches is granted to it: the two ring pages
; and the receive buffers writable, the transmit buffer read-only. One frame is in flight on the
; tx ring at a time (netfront_send waits for its response); NF_RX_BUFFERS buffers are posted on
; the rx ring, each put back as soon as its frame has been copied out.

; public/io/netif.h: the slots and their fields (x86_32).
NETIF_TX_gref                   equ 0
NETIF_TX_offset                 equ 4
NETIF_TX_flags                  equ 6
NETIF_TX_id                     equ 8
NETIF_TX_size                   equ 10
NETIF_TX_RSP_status             equ 2
NETIF_TX_SLOT                   equ 12
NETIF_RX_id                     equ 0
NETIF_RX_gref                   equ 4
NETIF_RX_RSP_offset             equ 2
NETIF_RX_RSP_status             equ 6
NETIF_RX_SLOT                   equ 8
NETIF_RSP_OKAY                  equ 0
ETH_FRAME_LEN                   equ 1514

NF_RX_BUFFERS                   equ 8
; Grant refs: the first a guest may use, then one after the other.
NF_TX_RING_REF                  equ GNTTAB_NR_RESERVED_ENTRIES
NF_RX_RING_REF                  equ NF_TX_RING_REF + 1
NF_TX_BUF_REF                   equ NF_TX_RING_REF + 2
NF_RX_BUF_REF                   equ NF_TX_RING_REF + 3

section .text

; netfront_init: finds the first vif and its back end (lib/xenbus.asm), reads its MAC, grants
; the rings and buffers, allocates the event channel, posts the rx buffers, publishes the ring
; refs and the channel, says Connected (Mini-OS's order: the back end connects on seeing it) and
; waits until the back end is Connected too. EAX = 0, or -1 (the reason printed).
netfront_init:
  pushad
  mov esi, nf_class_vif
  call xenbus_find_device
  cmp eax, -1
  je .no_device
  call xenbus_read_backend
  test eax, eax
  jnz .no_device
  mov esi, nf_key_mac
  call xb_front_key
  call xs_read
  test eax, eax
  jnz .no_device
  mov esi, xs_reply
  call nf_parse_mac

  ; The rings: initialised by us, the front end, then granted writable.
  mov eax, nf_tx_page
  mov ebx, nf_tx
  mov ecx, NETIF_TX_SLOT
  call ring_front_init
  mov eax, nf_rx_page
  mov ebx, nf_rx
  mov ecx, NETIF_RX_SLOT
  call ring_front_init
  mov eax, nf_tx_page
  mov ebx, NF_TX_RING_REF
  xor esi, esi
  call nf_grant
  mov eax, nf_rx_page
  mov ebx, NF_RX_RING_REF
  call nf_grant
  mov eax, nf_tx_buf
  mov ebx, NF_TX_BUF_REF
  mov esi, 1                            ; the back end only reads what we send
  call nf_grant

  ; Each rx buffer granted writable and posted: id i, gref NF_RX_BUF_REF + i.
  xor edi, edi
.post:
  mov eax, edi
  shl eax, 12
  add eax, nf_rx_bufs
  lea ebx, [NF_RX_BUF_REF + edi]
  xor esi, esi
  call nf_grant
  mov eax, edi
  call nf_post_rx
  inc edi
  cmp edi, NF_RX_BUFFERS
  jb .post
  mov ebx, nf_rx
  call ring_push_requests_and_check_notify

  mov eax, [xb_backend_id]
  call evtchn_alloc_unbound
  test eax, eax
  js .failed
  mov [nf_port], eax
  mov dword [evtchn_handlers + eax * 4], nf_event

  ; What the back end reads, then the state that tells it to.
  mov esi, nf_key_tx_ring_ref
  mov eax, NF_TX_RING_REF
  call xenbus_write_number
  test eax, eax
  jnz .failed
  mov esi, nf_key_rx_ring_ref
  mov eax, NF_RX_RING_REF
  call xenbus_write_number
  test eax, eax
  jnz .failed
  mov esi, nf_key_event_channel
  mov eax, [nf_port]
  call xenbus_write_number
  test eax, eax
  jnz .failed
  mov esi, nf_key_rx_copy
  mov eax, 1
  call xenbus_write_number
  test eax, eax
  jnz .failed
  mov eax, XenbusStateConnected
  call xenbus_switch_state
  test eax, eax
  jnz .failed
  mov eax, XenbusStateConnected
  call xenbus_wait_backend_state
  cmp eax, XenbusStateConnected
  jne .failed
  popad
  xor eax, eax
  ret
.no_device:
  mov esi, nf_no_device
  call print
  popad
  mov eax, -1
  ret
.failed:
  mov esi, nf_no_backend
  call print
  popad
  mov eax, -1
  ret

; nf_grant: grants page EAX to the back end through ref EBX, read-only if ESI is not 0.
nf_grant:
  pushad
  call virt_to_mfn
  mov edx, eax
  mov ecx, [xb_backend_id]
  call gnttab_grant_access
  popad
  ret

; nf_post_rx: puts rx buffer EAX (its id) on the rx ring, unpublished. Preserves registers.
nf_post_rx:
  pushad
  mov edi, eax
  mov ebx, nf_rx
  mov eax, [ebx + FRONT_req_prod_pvt]
  call ring_slot
  mov [eax + NETIF_RX_id], di
  add edi, NF_RX_BUF_REF
  mov [eax + NETIF_RX_gref], edi
  inc dword [ebx + FRONT_req_prod_pvt]
  popad
  ret

; nf_event: the vif's event handler. The wake-up is all it brings: the rings say what happened.
nf_event:
  inc dword [nf_events]
  ret

; nf_notify: EVTCHNOP_send on the vif's port when EAX (a push's verdict) is not 0.
nf_notify:
  test eax, eax
  jz .quiet
  mov eax, [nf_port]
  call evtchn_send
.quiet:
  ret

; netfront_send: sends the ECX-byte frame at ESI (at most ETH_FRAME_LEN) and waits for the back
; end's answer. EAX = its NETIF_RSP_* status. Preserves every other register.
netfront_send:
  pushad
  mov edi, nf_tx_buf
  push ecx
  rep movsb
  pop ecx
  mov ebx, nf_tx
  mov eax, [ebx + FRONT_req_prod_pvt]
  call ring_slot
  mov dword [eax + NETIF_TX_gref], NF_TX_BUF_REF
  mov word [eax + NETIF_TX_offset], 0
  mov word [eax + NETIF_TX_flags], 0
  mov edx, [nf_tx_id]
  mov [eax + NETIF_TX_id], dx
  mov [eax + NETIF_TX_size], cx
  inc dword [nf_tx_id]
  inc dword [ebx + FRONT_req_prod_pvt]
  call ring_push_requests_and_check_notify
  call nf_notify
.wait:
  call ring_final_check_for_responses
  test eax, eax
  jnz .answered
  call block
  jmp .wait
.answered:
  mov eax, [ebx + FRONT_rsp_cons]
  call ring_slot
  movsx eax, word [eax + NETIF_TX_RSP_status]
  inc dword [ebx + FRONT_rsp_cons]
  mov [esp + 28], eax                   ; pushad's EAX
  popad
  ret

; netfront_poll: if a frame has arrived, copies it to EDI (room for ETH_FRAME_LEN bytes) and
; puts its buffer back on the rx ring; ECX = its length, or 0 when nothing has arrived — and
; then the back end has been asked for an event with the next one, so the caller may block.
; A slot the back end answered with an error carries no frame: its buffer just goes back.
; Preserves every other register.
netfront_poll:
  pushad
  mov dword [esp + 24], 0               ; pushad's ECX: no frame yet
  mov ebx, nf_rx
.look:
  call ring_final_check_for_responses
  test eax, eax
  jz .out
  mov eax, [ebx + FRONT_rsp_cons]
  call ring_slot
  inc dword [ebx + FRONT_rsp_cons]
  movzx edx, word [eax + NETIF_RX_id]
  movzx esi, word [eax + NETIF_RX_RSP_offset]
  movsx ecx, word [eax + NETIF_RX_RSP_status]
  cmp edx, NF_RX_BUFFERS                ; an id we never posted: not ours to put back
  jae .look
  test ecx, ecx
  jle .repost                           ; NETIF_RSP_*: no frame in this one
  cmp ecx, ETH_FRAME_LEN
  ja .repost
  mov eax, edx
  shl eax, 12
  lea esi, [nf_rx_bufs + eax + esi]
  mov [esp + 24], ecx
  mov edi, [esp]                        ; pushad's EDI: the caller's buffer
  rep movsb
.repost:
  mov eax, edx
  call nf_post_rx
  call ring_push_requests_and_check_notify
  call nf_notify
  cmp dword [esp + 24], 0
  je .look
.out:
  popad
  ret

; netfront_receive: netfront_poll until a frame comes, blocking in between. ECX = its length.
netfront_receive:
  call netfront_poll
  test ecx, ecx
  jnz .got
  call block
  jmp netfront_receive
.got:
  ret

; nf_parse_mac: the six bytes of "xx:xx:xx:xx:xx:xx" at ESI into nf_mac. Clobbers EAX, ECX,
; EDX, EDI, ESI.
nf_parse_mac:
  mov edi, nf_mac
  mov edx, 6
.byte:
  call nf_hex_digit
  shl eax, 4
  mov ecx, eax
  call nf_hex_digit
  or eax, ecx
  stosb
  inc esi                               ; the colon
  dec edx
  jnz .byte
  ret

; nf_hex_digit: EAX = the value of the hex digit at ESI; ESI advances.
nf_hex_digit:
  movzx eax, byte [esi]
  inc esi
  or al, 0x20                           ; lower case
  sub al, '0'
  cmp al, 9
  jbe .done
  sub al, 'a' - '0' - 10
.done:
  ret

section .data
nf_class_vif:         db "device/vif", 0
nf_key_mac:           db "mac", 0
nf_key_tx_ring_ref:   db "tx-ring-ref", 0
nf_key_rx_ring_ref:   db "rx-ring-ref", 0
nf_key_event_channel: db "event-channel", 0
nf_key_rx_copy:       db "request-rx-copy", 0
nf_no_device:         db "netfront: no vif 0 in XenStore", 13, 10, 0
nf_no_backend:        db "netfront: the back end did not connect", 13, 10, 0
nf_port:              dd 0
nf_tx_id:             dd 0
nf_events:            dd 0

section .bss
; The vif's MAC address, from XenStore.
nf_mac:           resb 6
nf_tx:            resb FRONT_size
nf_rx:            resb FRONT_size
alignb 4096
nf_tx_page:       resb 4096
nf_rx_page:       resb 4096
nf_tx_buf:        resb 4096
nf_rx_bufs:       resb 4096 * NF_RX_BUFFERS
