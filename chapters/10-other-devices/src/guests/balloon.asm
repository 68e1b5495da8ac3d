; Your working copy for chapter 10, generated from solutions/guests/balloon.asm by npx xenlab stage.
; balloon: a balloon driver in its simplest form. It reads its memory target from the kernel
; command line (balloon_target=<KiB>; from chapter 08, without one, it follows XenStore's
; memory/target through a watch), and gives Xen back the pages above the target with XENMEM_decrease_reservation: it picks
; pages past its bootstrap mapping (mapped nowhere), marks them invalid in its P2M and hands
; their machine frames over in one call: book §5.5.

%include "lib/head.asm"
%include "lib/xenstore.asm"

KEEP_PAGES equ 1024             ; the bootstrap mapping: the first 4 MiB stay
MAX_EXTENTS equ 1024            ; one page of MFNs per call

section .text
main:
  call read_target
  test eax, eax
  jz .no_target
  call balloon_to
  ret
.no_target:
  mov esi, says_none
  call print
  call follow_xenstore_target
  ret

; balloon_to: gives back the pages above EAX KiB (at most one batch, never the bootstrap
; mapping) and says so.
balloon_to:
  mov [target_kib], eax
  shr eax, 2                    ; KiB → pages
  mov [target_pages], eax
  mov dword [released], 0
  call current_pages
  sub eax, [target_pages]
  jbe .report                   ; at or below the target already
  ; Never more than one batch, never into the bootstrap mapping.
  cmp eax, MAX_EXTENTS
  jbe .fits
  mov eax, MAX_EXTENTS
.fits:
  push eax
  call current_pages
  mov ecx, eax
  pop eax
  sub ecx, KEEP_PAGES
  cmp eax, ecx
  jbe .release
  mov eax, ecx
.release:
  call release_top_pages
  mov [released], eax
.report:
  mov esi, says_target
  call print
  mov eax, [target_kib]
  call print_dec
  mov esi, says_gave
  call print
  mov eax, [released]
  call print_dec
  mov esi, says_now
  call print
  call current_pages
  call print_dec
  mov esi, says_pages
  call print
  ret

; current_pages: XENMEM_current_reservation for DOMID_SELF, in EAX.
current_pages:
  push ebx
  push ecx
  mov ebx, XENMEM_current_reservation
  mov ecx, self
  HYPERCALL __HYPERVISOR_memory_op
  pop ecx
  pop ebx
  ret

; release_top_pages: gives back the EAX highest pfns it still has (below its current
; reservation). Each one's MFN goes into the extent list and its P2M slot becomes invalid (~0);
; one decrease_reservation takes them all. Returns the number of extents Xen freed.
release_top_pages:
  push eax
  call current_pages
  mov ecx, eax
  pop eax
  mov edx, [start_info]
  mov esi, [edx + START_INFO_mfn_list]
  mov [reservation + 4], eax    ; nr_extents
  xor edi, edi
.next:
  dec ecx                       ; pfn, from the top down
  mov ebx, [esi + ecx * 4]
  mov [extents + edi * 4], ebx
  mov dword [esi + ecx * 4], 0xffffffff
  inc edi
  cmp edi, eax
  jne .next
  mov ebx, XENMEM_decrease_reservation
  mov ecx, reservation
  HYPERCALL __HYPERVISOR_memory_op
  ret

; read_target: the number after "balloon_target=" on the command line, or 0.
read_target:
  mov esi, [start_info]
  add esi, START_INFO_cmd_line
.scan:
  cmp byte [esi], 0
  je .none
  mov edi, key
  push esi
.match:
  mov al, [edi]
  test al, al
  jz .found
  cmp al, [esi]
  jne .differ
  inc esi
  inc edi
  jmp .match
.differ:
  pop esi
  inc esi
  jmp .scan
.found:
  add esp, 4
  xor eax, eax
.digit:
  movzx ecx, byte [esi]
  sub ecx, '0'
  cmp ecx, 9
  ja .done
  imul eax, eax, 10
  add eax, ecx
  inc esi
  jmp .digit
.done:
  ret
.none:
  xor eax, eax
  ret

; follow_xenstore_target: watches memory/target under the domain's home and balloons to each
; value it takes — the first at once (a new watch fires once), then each the toolstack writes
; (`xl mem-set`) — for TARGETS_FOLLOWED targets, then returns.
TARGETS_FOLLOWED equ 3

follow_xenstore_target:
  call xs_init
  mov eax, XS_WATCH
  mov esi, watch_args
  mov ecx, watch_args_end - watch_args
  call xs_request
  mov dword [targets_left], TARGETS_FOLLOWED
.next:
  call xs_wait_event
  mov esi, target_path
  call xs_read
  test eax, eax
  jnz .done
  mov esi, xs_reply
  call parse_dec
  call balloon_to
  dec dword [targets_left]
  jnz .next
.done:
  ret

; parse_dec: the decimal number at ESI, in EAX.
parse_dec:
  xor eax, eax
.digit:
  movzx ecx, byte [esi]
  sub ecx, '0'
  cmp ecx, 9
  ja .end
  imul eax, eax, 10
  add eax, ecx
  inc esi
  jmp .digit
.end:
  ret

section .data
watch_args:   db "memory/target", 0, "balloon", 0
watch_args_end:
target_path:  db "memory/target", 0
targets_left: dd 0

section .data
key:          db "balloon_target=", 0
says_target:  db "balloon: target ", 0
says_gave:    db " KiB, gave back ", 0
says_now:     db " pages, now ", 0
says_pages:   db " pages", 13, 10, 0
says_none:    db "balloon: no balloon_target on the command line", 13, 10, 0
self:         dw DOMID_SELF
align 4
; struct xen_memory_reservation: extent_start, nr_extents, extent_order, mem_flags, domid.
reservation:  dd extents, 0, 0, 0
              dw DOMID_SELF, 0
target_kib:   dd 0
target_pages: dd 0
released:     dd 0

section .bss
alignb 4096
extents: resd MAX_EXTENTS
