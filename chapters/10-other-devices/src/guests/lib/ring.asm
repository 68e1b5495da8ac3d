; Your working copy for chapter 10, generated from solutions/guests/lib/ring.asm by npx xenlab stage.
; Shared I/O rings for front ends in assembly: book §6.3; Xen public/io/ring.h (SHARED_RING_INIT,
; FRONT_RING_INIT and the front end's RING_* macros), docs/xen-abi.md §9.
;
; The shared page is SRING_*: four indices, then slots from offset 64. The front end's private
; state is a FRONT_* record in its own memory: the next request it will produce, the next
; response it will consume, the number of slots (a power of two) and the page. The including
; program needs lib/barrier.asm. Every routine takes the record in EBX.

FRONT_req_prod_pvt              equ 0
FRONT_rsp_cons                  equ 4
FRONT_nr_ents                   equ 8
FRONT_sring                     equ 12
FRONT_entry_size                equ 16
FRONT_size                      equ 20

section .text

; ring_front_init: EAX = the shared page, ECX = the size of a slot. Initialises the page
; (both producers 0, both event indices 1) and the record. Preserves every register but EAX.
ring_front_init:
  push ecx
  push edx
  mov dword [eax + SRING_req_prod], 0
  mov dword [eax + SRING_rsp_prod], 0
  mov dword [eax + SRING_req_event], 1
  mov dword [eax + SRING_rsp_event], 1
  mov [ebx + FRONT_sring], eax
  mov [ebx + FRONT_entry_size], ecx
  mov dword [ebx + FRONT_req_prod_pvt], 0
  mov dword [ebx + FRONT_rsp_cons], 0
  mov eax, 4096 - SRING_ring
  xor edx, edx
  div ecx                              ; slots that fit
  bsr ecx, eax                         ; rounded down to a power of two
  mov eax, 1
  shl eax, cl
  mov [ebx + FRONT_nr_ents], eax
  pop edx
  pop ecx
  ret

; ring_slot: EAX = an index; EAX = the address of its slot. Preserves every other register.
ring_slot:
  push edx
  mov edx, [ebx + FRONT_nr_ents]
  dec edx
  and eax, edx
  imul eax, [ebx + FRONT_entry_size]
  add eax, SRING_ring
  add eax, [ebx + FRONT_sring]
  pop edx
  ret

; ring_free_requests: EAX = slots the front end may still fill. Preserves every other register.
ring_free_requests:
  mov eax, [ebx + FRONT_req_prod_pvt]
  sub eax, [ebx + FRONT_rsp_cons]
  neg eax
  add eax, [ebx + FRONT_nr_ents]
  ret

; ring_unconsumed_responses: EAX = responses published and not yet taken. Preserves every other
; register.
ring_unconsumed_responses:
  push edx
  mov edx, [ebx + FRONT_sring]
  mov eax, [edx + SRING_rsp_prod]
  XEN_RMB                              ; the responses are read only after the index
  sub eax, [ebx + FRONT_rsp_cons]
  pop edx
  ret

; ring_push_requests_and_check_notify: publishes the requests produced so far; EAX = 1 when the
; back end asked to be woken by one of them (req_event in (old, new]), else 0. Preserves every
; other register.
ring_push_requests_and_check_notify:
  push ecx
  push edx
  push esi
  mov esi, [ebx + FRONT_sring]
  mov ecx, [esi + SRING_req_prod]      ; old
  mov edx, [ebx + FRONT_req_prod_pvt]  ; new
  XEN_WMB                              ; the back end sees the requests before the index
  mov [esi + SRING_req_prod], edx
  XEN_MB                               ; ... and the index before we read its event index
  mov eax, edx
  sub eax, [esi + SRING_req_event]     ; new - req_event
  sub edx, ecx                         ; new - old
  cmp eax, edx
  setb al                              ; unsigned: req_event lies in (old, new]
  movzx eax, al
  pop esi
  pop edx
  pop ecx
  ret

; ring_final_check_for_responses: before the front end waits, it asks to be woken by the next
; response and looks once more. EAX = 1 when there is a response after all. Preserves every
; other register.
ring_final_check_for_responses:
  push edx
  call ring_unconsumed_responses
  test eax, eax
  jnz .work
  mov edx, [ebx + FRONT_sring]
  mov eax, [ebx + FRONT_rsp_cons]
  inc eax
  mov [edx + SRING_rsp_event], eax
  XEN_MB                               ; rsp_event is visible before we read rsp_prod again
  call ring_unconsumed_responses
  test eax, eax
  jz .done
.work:
  mov eax, 1
.done:
  pop edx
  ret
