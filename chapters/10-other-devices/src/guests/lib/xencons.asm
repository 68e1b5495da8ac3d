; Your working copy for chapter 10, generated from solutions/guests/lib/xencons.asm by npx xenlab stage.
; The console front end: writing and reading the console ring, xencons_interface: book §6.7;
; Xen public/io/console.h; Mini-OS console/xencons_ring.c (the same protocol).
;
; start_info names the console page by its machine frame and the event channel whose other end
; is domain 0's back end. The guest produces on `out` and consumes on `in`; every index is a
; free-running 32-bit counter, a byte's slot is the index masked by the ring's size. The
; including program needs lib/barrier.asm and lib/gnttab.asm (for `yield`). Until chapter 07
; the guest has no events of its own, so it waits for the back end by yielding and looking again.

section .text

; xencons_init: finds the console page (machine frame → pfn through the M2P; the kernel is
; linked at 0, so its address is pfn × 4096) and the console port. Preserves every register but
; EAX.
xencons_init:
  push ecx
  mov eax, [start_info]
  mov ecx, [eax + START_INFO_console_evtchn]
  mov [xencons_port], ecx
  mov ecx, [eax + START_INFO_console_mfn]
  mov ecx, [MACH2PHYS_VIRT_START + ecx * 4]
  shl ecx, 12
  mov [xencons], ecx
  pop ecx
  ret

; xencons_notify: tells the back end there is news on the ring (EVTCHNOP_send on the console
; port). Preserves every register but EAX.
xencons_notify:
  push ebx
  push ecx
  mov ebx, EVTCHNOP_send
  mov ecx, xencons_port                ; struct evtchn_send { port } is the port's own cell
  HYPERCALL __HYPERVISOR_event_channel_op
  pop ecx
  pop ebx
  ret

; xencons_write: writes the ECX bytes at ESI to `out`, waiting while the ring is full, and
; notifies the back end of each batch. Preserves every register.
xencons_write:
  pushad
  mov edi, [xencons]
.batch:
  mov edx, [edi + XENCONS_out_prod]    ; ours: the next byte goes here
  mov ebp, [edi + XENCONS_out_cons]    ; the back end's: bytes before it are free again
  XEN_MB                               ; read out_cons before reusing the slots it frees
.copy:
  test ecx, ecx
  jz .publish
  mov ebx, edx
  sub ebx, ebp                         ; bytes in the ring, modulo 2^32
  cmp ebx, XENCONS_OUT_SIZE
  jae .publish                         ; full
  mov ebx, edx
  and ebx, XENCONS_OUT_SIZE - 1
  mov al, [esi]
  mov [edi + XENCONS_out + ebx], al
  inc esi
  inc edx
  dec ecx
  jmp .copy
.publish:
  XEN_WMB                              ; the bytes are in the ring before the index says so
  mov [edi + XENCONS_out_prod], edx
  call xencons_notify
  test ecx, ecx
  jz .done
  call yield                           ; full: let the back end drain it, then look again
  jmp .batch
.done:
  popad
  ret

; xencons_read: copies up to ECX bytes of console input from `in` to EDI; EAX = how many (0
; when none has arrived). Notifies the back end when it took any. Preserves every other register.
xencons_read:
  push ebx
  push ecx
  push edx
  push esi
  push edi
  push ebp
  mov esi, [xencons]
  mov edx, [esi + XENCONS_in_cons]     ; ours
  mov ebp, [esi + XENCONS_in_prod]     ; the back end's
  XEN_RMB                              ; read the bytes only after the index that published them
.copy:
  cmp edx, ebp
  je .publish
  test ecx, ecx
  jz .publish
  mov ebx, edx
  and ebx, XENCONS_IN_SIZE - 1
  mov al, [esi + XENCONS_in + ebx]
  mov [edi], al
  inc edi
  inc edx
  dec ecx
  jmp .copy
.publish:
  mov eax, edx
  sub eax, [esi + XENCONS_in_cons]
  jz .done
  XEN_MB                               ; the bytes are taken before the back end may reuse them
  mov [esi + XENCONS_in_cons], edx
  push eax
  call xencons_notify
  pop eax
.done:
  pop ebp
  pop edi
  pop esi
  pop edx
  pop ecx
  pop ebx
  ret

; xencons_print: writes the NUL-terminated string at ESI to the console ring. Preserves every
; register.
xencons_print:
  push ecx
  xor ecx, ecx
.length:
  cmp byte [esi + ecx], 0
  je .write
  inc ecx
  jmp .length
.write:
  call xencons_write
  pop ecx
  ret

section .data
; The console page's address and the console port (evtchn_send's one field).
xencons:      dd 0
xencons_port: dd 0
