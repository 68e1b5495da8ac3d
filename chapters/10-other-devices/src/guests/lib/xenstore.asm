; Your working copy for chapter 10, generated from solutions/guests/lib/xenstore.asm by npx xenlab stage.
; A XenStore client for guest kernels: requests and replies over the ring page start_info names:
; book §8.4.2; Xen public/io/xs_wire.h; Mini-OS xenbus/xenbus.c.
;
; The ring is xenstore_domain_interface: the kernel produces requests into `req` and consumes
; replies from `rsp`, with free-running indices masked by the ring's size. After publishing a
; request it notifies xenstored on start_info.store_evtchn, then yields until the reply is
; there. Watch events come on the same ring; xs_request keeps the last one in xs_event.
; Messages here are small (a path and a short value): at most XS_PAYLOAD_LIMIT bytes.

XS_PAYLOAD_LIMIT equ 256

section .text

; xs_init: finds the ring (its frame's pfn from Xen's M2P: the kernel is linked at 0, so the
; page's address is pfn * 4096) and the port. Clobbers EAX.
xs_init:
  push ebx
  mov ebx, [start_info]
  mov eax, [ebx + START_INFO_store_evtchn]
  mov [xs_port], eax
  mov eax, [ebx + START_INFO_store_mfn]
  mov eax, [MACH2PHYS_VIRT_START + eax * 4]
  shl eax, 12
  mov [xs_ring], eax
  pop ebx
  ret

; xs_notify: EVTCHNOP_send on the store port. Preserves every register but EAX.
xs_notify:
  push ebx
  push ecx
  mov ebx, EVTCHNOP_send
  mov ecx, xs_port
  HYPERCALL __HYPERVISOR_event_channel_op
  pop ecx
  pop ebx
  ret

; xs_yield: gives the CPU up, so domain 0 gets its turn. Preserves every register but EAX.
xs_yield:
  push ebx
  push ecx
  mov ebx, SCHEDOP_yield
  xor ecx, ecx
  HYPERCALL __HYPERVISOR_sched_op
  pop ecx
  pop ebx
  ret

; xs_write_request: puts one request into `req` — the 16-byte header (type EAX, req_id and
; tx_id 0, len ECX) then ECX payload bytes from ESI — publishes it by moving req_prod past it,
; and notifies xenstored. The request must fit in the free part of the ring (every request here
; does: the guest waits for each reply before the next request). Clobbers EAX, ECX, EDX, ESI,
; EDI.
xs_write_request:
  push ebx
  mov [xs_header], eax
  mov dword [xs_header + 4], 0
  mov dword [xs_header + 8], 0
  mov [xs_header + 12], ecx
  mov edi, [xs_ring]
  mov edx, [edi + XS_IFACE_req_prod]
  push ecx
  push esi
  mov esi, xs_header
  mov ecx, XS_HEADER_SIZE
  call .copy
  pop esi
  pop ecx
  call .copy
  ; The bytes are in place before the index that publishes them (x86 keeps stores in order;
  ; the fence says so, and keeps saying so on a weaker memory model).
  sfence
  mov [edi + XS_IFACE_req_prod], edx
  call xs_notify
  pop ebx
  ret
; .copy: ECX bytes from ESI into req at free-running index EDX, masked to the ring; EDX
; advances.
.copy:
  test ecx, ecx
  jz .copied
  mov ebx, edx
  and ebx, XENSTORE_RING_SIZE - 1
  mov al, [esi]
  mov [edi + XS_IFACE_req + ebx], al
  inc esi
  inc edx
  dec ecx
  jmp .copy
.copied:
  ret

; xs_read_bytes: copies ECX bytes of `rsp` to EDI, yielding until they are there, and moves
; rsp_cons past them. Clobbers EAX, ECX, EDX, EDI.
xs_read_bytes:
  push ebx
  push esi
  mov esi, [xs_ring]
.wait:
  mov eax, [esi + XS_IFACE_rsp_prod]
  sub eax, [esi + XS_IFACE_rsp_cons]
  cmp eax, ecx
  jae .take
  call xs_yield
  jmp .wait
.take:
  mov edx, [esi + XS_IFACE_rsp_cons]
.byte:
  test ecx, ecx
  jz .done
  mov ebx, edx
  and ebx, XENSTORE_RING_SIZE - 1
  mov al, [esi + XS_IFACE_rsp + ebx]
  mov [edi], al
  inc edi
  inc edx
  dec ecx
  jmp .byte
.done:
  mov [esi + XS_IFACE_rsp_cons], edx
  pop esi
  pop ebx
  ret

; xs_read_reply: waits for the next message on `rsp`: its header into xs_reply_header, its
; payload (NUL-terminated for printing) into xs_reply. Returns its type in EAX, length in ECX.
xs_read_reply:
  push edi
  mov edi, xs_reply_header
  mov ecx, XS_HEADER_SIZE
  call xs_read_bytes
  mov ecx, [xs_reply_header + 12]
  cmp ecx, XS_PAYLOAD_LIMIT
  jbe .fits
  mov ecx, XS_PAYLOAD_LIMIT
.fits:
  mov edi, xs_reply
  call xs_read_bytes
  mov ecx, [xs_reply_header + 12]
  mov byte [xs_reply + ecx], 0
  mov eax, [xs_reply_header]
  pop edi
  ret

; xs_request: sends request EAX with ECX payload bytes at ESI and waits for its reply, keeping
; watch events that come first in xs_event. Returns the reply's type in EAX (XS_ERROR: the
; error's name is in xs_reply), its length in ECX, its payload in xs_reply.
xs_request:
  push edx
  push esi
  push edi
  call xs_write_request
.next:
  call xs_read_reply
  cmp eax, XS_WATCH_EVENT
  jne .reply
  push ecx
  mov esi, xs_reply
  mov edi, xs_event
  rep movsb
  mov byte [edi], 0
  pop ecx
  jmp .next
.reply:
  pop edi
  pop esi
  pop edx
  ret

; xs_wait_event: waits for the next watch event; its path and token are in xs_event.
xs_wait_event:
  push esi
  push edi
  push ecx
.next:
  call xs_read_reply
  cmp eax, XS_WATCH_EVENT
  jne .next
  mov esi, xs_reply
  mov edi, xs_event
  rep movsb
  mov byte [edi], 0
  pop ecx
  pop edi
  pop esi
  ret

; xs_read: reads the node whose NUL-terminated path is at ESI; its value is in xs_reply.
; Returns 0 in EAX, or XS_ERROR. Clobbers ECX.
xs_read:
  push esi
  xor ecx, ecx
.length:
  cmp byte [esi + ecx], 0
  je .ask
  inc ecx
  jmp .length
.ask:
  inc ecx                       ; the NUL travels too
  mov eax, XS_READ
  call xs_request
  pop esi
  cmp eax, XS_READ
  jne .error
  xor eax, eax
  ret
.error:
  mov eax, XS_ERROR
  ret

; xs_append: copies the NUL-terminated string at ESI, NUL included, to xs_payload + ECX; ECX
; moves past it. Clobbers EAX, ESI.
xs_append:
  lodsb
  mov [xs_payload + ecx], al
  inc ecx
  test al, al
  jnz xs_append
  ret

; xs_ask: sends request EAX with the payload in xs_payload (ECX bytes) and waits for the reply.
; EAX = 0 when xenstored answered with the same type, else XS_ERROR (its name in xs_reply).
; Clobbers ECX.
xs_ask:
  push esi
  push eax
  mov esi, xs_payload
  call xs_request
  pop esi
  cmp eax, esi
  pop esi
  jne .error
  xor eax, eax
  ret
.error:
  mov eax, XS_ERROR
  ret

; xs_write: writes the NUL-terminated value at EDI (the value travels without its NUL) to the
; node whose path is at ESI. EAX = 0, or XS_ERROR. Clobbers ECX.
xs_write:
  push esi
  xor ecx, ecx
  call xs_append
  mov esi, edi
  call xs_append
  dec ecx
  mov eax, XS_WRITE
  call xs_ask
  pop esi
  ret

; xs_write_number: writes EAX in decimal to the node whose path is at ESI. EAX = 0, or XS_ERROR.
; Clobbers ECX, EDX.
xs_write_number:
  push edi
  mov edi, xs_number + 11
  mov byte [edi], 0
  mov ecx, 10
.digit:
  xor edx, edx
  div ecx
  add dl, '0'
  dec edi
  mov [edi], dl
  test eax, eax
  jnz .digit
  call xs_write
  pop edi
  ret

; xs_read_number: reads the node at ESI as a decimal number. EAX = it, or -1 when the node
; cannot be read or is no number. Clobbers ECX, EDX.
xs_read_number:
  push esi
  call xs_read
  test eax, eax
  jnz .bad
  mov esi, xs_reply
  cmp byte [esi], 0
  je .bad
.digit:
  movzx edx, byte [esi]
  test edx, edx
  jz .done
  sub edx, '0'
  cmp edx, 9
  ja .bad
  imul eax, eax, 10
  add eax, edx
  inc esi
  jmp .digit
.bad:
  mov eax, -1
.done:
  pop esi
  ret

; xs_path_op: sends request EAX whose payload is the path at ESI alone (XS_RM, XS_MKDIR,
; XS_DIRECTORY). EAX = 0, or XS_ERROR; a directory's names are in xs_reply, each with its NUL.
; Clobbers ECX.
xs_path_op:
  push esi
  push eax
  xor ecx, ecx
  call xs_append
  pop eax
  call xs_ask
  pop esi
  ret

; xs_watch: asks for events when the node at ESI or any below it changes, with the token at
; EDI. xenstored answers, then sends one event at once (the node's present state). EAX = 0, or
; XS_ERROR. Clobbers ECX.
xs_watch:
  push esi
  xor ecx, ecx
  call xs_append
  mov esi, edi
  call xs_append
  mov eax, XS_WATCH
  call xs_ask
  pop esi
  ret

section .data
xs_ring: dd 0
xs_port: dd 0

section .bss
xs_header: resb XS_HEADER_SIZE
xs_reply_header: resb XS_HEADER_SIZE
xs_reply: resb XS_PAYLOAD_LIMIT + 1
xs_event: resb XS_PAYLOAD_LIMIT + 1
xs_payload: resb XS_PAYLOAD_LIMIT
xs_number: resb 12
