; Your working copy for chapter 10, generated from solutions/guests/lib/blkfront.asm by npx xenlab stage.
; A block front end in a guest kernel: the XenBus handshake with the back end (a ring page
; granted to it, an event channel, the keys it reads) and sector reads and writes as blkif
; requests on that ring: book §9.1.1–9.1.2; Xen public/io/blkif.h, Mini-OS blkfront.c
; (init_blkfront, blkfront_aio), Linux drivers/block/xen-blkfront.c (talk_to_blkback).
;
; One disk per kernel, one request at a time: the data goes through blk_buffer, one page, so a
; request moves at most 8 sectors. The ring page, the buffer and the grant table are this
; kernel's own; grant refs RING_GREF and BUFFER_GREF name the first two to the back end. Needs
; lib/time.asm (shared info), lib/evtchn.asm (evtchn_init done), lib/gnttab.asm, lib/ring.asm,
; lib/barrier.asm, lib/xenstore.asm and lib/xenbus.asm.

RING_GREF       equ GNTTAB_NR_RESERVED_ENTRIES
BUFFER_GREF     equ GNTTAB_NR_RESERVED_ENTRIES + 1
SECTORS_PER_PAGE equ 8

section .text

; gnttab_map_own: sets up this domain's grant table (one frame) and maps it where gnttab_table
; says, as a kernel does for itself from chapter 05 on. EAX = 0, or the failing call's error.
gnttab_map_own:
  push ebx
  push ecx
  push edx
  push esi
  mov word [blk_setup + SETUP_dom], DOMID_SELF
  mov dword [blk_setup + SETUP_nr_frames], 1
  mov dword [blk_setup + SETUP_frame_list], blk_grant_frame
  mov ebx, GNTTABOP_setup_table
  mov ecx, blk_setup
  mov edx, 1
  HYPERCALL __HYPERVISOR_grant_table_op
  test eax, eax
  jnz .out
  movsx eax, word [blk_setup + SETUP_status]
  test eax, eax
  jnz .out
  call gnttab_table
  mov ebx, eax
  mov ecx, [blk_grant_frame]
  shl ecx, 12
  or ecx, 0x63                  ; present, writable, accessed, dirty
  xor edx, edx
  mov esi, UVMF_INVLPG
  HYPERCALL __HYPERVISOR_update_va_mapping
.out:
  pop esi
  pop edx
  pop ecx
  pop ebx
  ret

; blkfront_connect: finds the first vbd and connects to its back end: the ring page granted,
; an unbound port for the back end, the keys the back end reads (ring-ref, event-channel,
; protocol), Initialised; then, once the back end is Connected, reads the disk's size and
; becomes Connected. EAX = 0, or -1 (the reason printed).
blkfront_connect:
  pushad
  mov esi, class_vbd
  call xenbus_find_device
  cmp eax, -1
  je .no_device
  mov [blk_handle], eax
  call xenbus_read_backend
  test eax, eax
  jnz .no_device
  mov eax, blk_sring
  mov ecx, BLKIF_REQ_size
  mov ebx, blk_front
  call ring_front_init
  mov eax, blk_sring            ; the ring page, granted read-write to the back end
  call virt_to_mfn
  mov edx, eax
  mov ebx, RING_GREF
  mov ecx, [xb_backend_id]
  xor esi, esi
  call gnttab_grant_access
  mov eax, [xb_backend_id]      ; a port the back end binds to
  call evtchn_alloc_unbound
  test eax, eax
  js .failed
  mov [blk_port], eax
  mov dword [evtchn_handlers + eax * 4], blkfront_interrupt
  mov esi, key_ring_ref         ; what the back end reads, then the state that tells it to
  mov eax, RING_GREF
  call xenbus_write_number
  test eax, eax
  jnz .failed
  mov esi, key_event_channel
  mov eax, [blk_port]
  call xenbus_write_number
  test eax, eax
  jnz .failed
  mov esi, key_protocol
  call xb_front_key
  mov edi, protocol_x86_32
  call xs_write
  test eax, eax
  jnz .failed
  mov eax, XenbusStateInitialised
  call xenbus_switch_state
  test eax, eax
  jnz .failed
  mov eax, XenbusStateConnected
  call xenbus_wait_backend_state
  cmp eax, XenbusStateConnected
  jne .failed
  mov esi, key_sectors
  call xb_back_key
  call xs_read_number
  mov [blk_sectors], eax
  mov esi, key_sector_size
  call xb_back_key
  call xs_read_number
  mov [blk_sector_size], eax
  mov eax, XenbusStateConnected
  call xenbus_switch_state
  popad
  xor eax, eax
  ret
.no_device:
  mov esi, says_no_device
  call print
  popad
  mov eax, -1
  ret
.failed:
  mov esi, says_handshake_failed
  call print
  popad
  mov eax, -1
  ret

; blkfront_close: lets go of the disk as Mini-OS's shutdown_blkfront does: Closing, and once
; the back end is closing too, Closed, then waits for the back end to be Closed (it has let go
; of the ring and the port); ends the ring's grant. EAX = 0, or -1 when the grant is still in
; use (the back end kept the ring mapped).
blkfront_close:
  pushad
  mov eax, XenbusStateClosing
  call xenbus_switch_state
  mov eax, XenbusStateClosing
  call xenbus_wait_backend_state
  mov eax, XenbusStateClosed
  call xenbus_switch_state
  mov eax, XenbusStateClosed
  call xenbus_wait_backend_state
  mov ebx, RING_GREF
  call gnttab_end_access
  dec eax                       ; 1 (ended) → 0, 0 (in use) → -1
  mov [esp + 28], eax           ; popad gives it back in EAX
  popad
  ret

; blkfront_interrupt: the port's handler. The waiting code looks at the ring itself; the
; upcall only ends its SCHEDOP_block.
blkfront_interrupt:
  inc dword [blk_interrupts]
  ret

; blkfront_io: one request: operation EAX (BLKIF_OP_READ or BLKIF_OP_WRITE) on ECX sectors
; (1 to 8) from sector EDX, to or from blk_buffer. Puts the request on the ring, notifies the
; back end if it asked, waits for the response, takes it. EAX = the response's status
; (BLKIF_RSP_OKAY, BLKIF_RSP_ERROR, …).
blkfront_io:
  push ebx
  push ecx
  push edx
  push esi
  push edi
  mov ebx, blk_front
  mov edi, eax                  ; the operation
  push edx
  push ecx
  mov eax, blk_buffer           ; the buffer, granted: the back end writes it on a read
  call virt_to_mfn
  mov edx, eax
  xor esi, esi
  cmp edi, BLKIF_OP_WRITE
  jne .grant
  inc esi                       ; ... and only reads it on a write
.grant:
  push ebx
  mov ebx, BUFFER_GREF
  mov ecx, [xb_backend_id]
  call gnttab_grant_access
  pop ebx
  pop ecx
  pop edx
  mov eax, [ebx + FRONT_req_prod_pvt]
  call ring_slot
  mov esi, eax                  ; ESI = the request's slot
  mov eax, edi
  mov [esi + BLKIF_REQ_operation], al
  mov byte [esi + BLKIF_REQ_nr_segments], 1
  mov eax, [blk_handle]
  mov [esi + BLKIF_REQ_handle], ax
  mov eax, [ebx + FRONT_req_prod_pvt]
  mov [esi + BLKIF_REQ_id], eax ; the id comes back in the response
  mov dword [esi + BLKIF_REQ_id + 4], 0
  mov [esi + BLKIF_REQ_sector_number], edx
  mov dword [esi + BLKIF_REQ_sector_number + 4], 0
  mov dword [esi + BLKIF_REQ_seg + BLKIF_SEG_gref], BUFFER_GREF
  mov byte [esi + BLKIF_REQ_seg + BLKIF_SEG_first_sect], 0
  dec ecx
  mov [esi + BLKIF_REQ_seg + BLKIF_SEG_last_sect], cl
  inc dword [ebx + FRONT_req_prod_pvt]
  call ring_push_requests_and_check_notify
  test eax, eax
  jz .wait
  mov eax, [blk_port]
  call evtchn_send
.wait:
  ; Events masked while we look, so a response that comes between the look and the block
  ; leaves upcall_pending set and SCHEDOP_block returns at once.
  mov byte [shared_info + VCPU_INFO_evtchn_upcall_mask], 1
  call ring_final_check_for_responses
  test eax, eax
  jnz .response
  call block
  jmp .wait
.response:
  mov byte [shared_info + VCPU_INFO_evtchn_upcall_mask], 0
  mov eax, [ebx + FRONT_rsp_cons]
  call ring_slot
  movsx edi, word [eax + BLKIF_RSP_status]
  mov ecx, [eax + BLKIF_RSP_id]
  cmp ecx, [ebx + FRONT_rsp_cons] ; one request at a time: its id is its index
  je .ours
  mov edi, BLKIF_RSP_ERROR      ; a response to no request of ours
.ours:
  inc dword [ebx + FRONT_rsp_cons]
  push ebx
  mov ebx, BUFFER_GREF
  call gnttab_end_access
  pop ebx
  mov eax, edi
  pop edi
  pop esi
  pop edx
  pop ecx
  pop ebx
  ret

section .data
class_vbd:             db "device/vbd", 0
key_ring_ref:          db "ring-ref", 0
key_event_channel:     db "event-channel", 0
key_protocol:          db "protocol", 0
protocol_x86_32:       db "x86_32-abi", 0
key_sectors:           db "sectors", 0
key_sector_size:       db "sector-size", 0
says_no_device:        db "blkfront: no vbd in XenStore", 13, 10, 0
says_handshake_failed: db "blkfront: the back end did not connect", 13, 10, 0

section .bss
alignb 4096
blk_sring:        resb 4096
blk_buffer:       resb 4096
blk_front:        resb FRONT_size
blk_setup:        resb SETUP_size
blk_grant_frame:  resd 1
blk_handle:       resd 1
blk_port:         resd 1
blk_sectors:      resd 1
blk_sector_size:  resd 1
blk_interrupts:   resd 1
