; Your working copy for chapter 10, generated from solutions/guests/lib/evtchn.asm by npx xenlab stage.
; Event channels in a guest kernel: the event callback, the upcall handler that finds the
; pending ports, and small wrappers of event_channel_op: book §7.3–7.5; Mini-OS
; arch/x86/x86_32.S (hypervisor_callback), hypervisor.c (do_hypervisor_callback), events.c.
;
; Include after lib/head.asm and lib/time.asm (the shared info page). Handlers run with events
; masked, one call per pending port, with the port in EAX; they may change any register. This
; kernel uses vCPU 0's vcpu_info.

section .text

; evtchn_init: registers hypervisor_callback as the event callback (and as the failsafe one:
; this kernel never reloads a segment Xen could fail to restore). EAX = 0.
evtchn_init:
  push ebx
  push ecx
  push edx
  push esi
  mov ebx, FLAT_KERNEL_CS
  mov ecx, hypervisor_callback
  mov edx, FLAT_KERNEL_CS
  mov esi, hypervisor_callback
  HYPERCALL __HYPERVISOR_set_callbacks
  pop esi
  pop edx
  pop ecx
  pop ebx
  ret

; hypervisor_callback: Xen enters here through a bounce frame (EIP, CS with the saved mask,
; EFLAGS), events masked. Handle what is pending, unmask, and look once more: an event that
; arrived while masked left upcall_pending set and must not wait for the next one.
hypervisor_callback:
  pushad
.again:
  call evtchn_do_upcall
  mov byte [shared_info + VCPU_INFO_evtchn_upcall_mask], 0
  cmp byte [shared_info + VCPU_INFO_evtchn_upcall_pending], 0
  je .done
  mov byte [shared_info + VCPU_INFO_evtchn_upcall_mask], 1
  jmp .again
.done:
  popad
  iret

; evtchn_do_upcall: runs the handler of every pending, unmasked port. Each level is cleared
; before the level below it is read: upcall_pending, then the selector (swapped for 0), then
; each port's pending bit before its handler runs, so an event that arrives meanwhile sets its
; bits again and is found, now or at the next upcall. Preserves every register.
evtchn_do_upcall:
  pushad
  mov byte [shared_info + VCPU_INFO_evtchn_upcall_pending], 0
  xor eax, eax
  xchg eax, [shared_info + VCPU_INFO_evtchn_pending_sel]
.next_word:
  bsf ecx, eax                  ; ECX = w, the lowest word the selector names
  jz .done
  btr eax, ecx
.next_port:
  mov edx, [shared_info + SHARED_INFO_evtchn_pending + ecx * 4]
  mov ebx, [shared_info + SHARED_INFO_evtchn_mask + ecx * 4]
  not ebx
  and edx, ebx
  bsf ebx, edx                  ; EBX = b, the lowest pending unmasked bit of word w
  jz .next_word
  lock btr [shared_info + SHARED_INFO_evtchn_pending + ecx * 4], ebx
  pushad
  shl ecx, 5
  lea eax, [ecx + ebx]          ; the port: 32w + b
  mov edx, [evtchn_handlers + eax * 4]
  test edx, edx
  jz .no_handler
  call edx
.no_handler:
  popad
  jmp .next_port
.done:
  popad
  ret

; evtchn_op: event_channel_op(EBX = cmd, evtchn_args); EAX = its result.
evtchn_op:
  push ecx
  mov ecx, evtchn_args
  HYPERCALL __HYPERVISOR_event_channel_op
  pop ecx
  ret

; evtchn_bind_virq: EAX = VIRQ, bound on vCPU 0. EAX = the port, or -errno.
evtchn_bind_virq:
  push ebx
  mov [evtchn_args], eax
  mov dword [evtchn_args + 4], 0
  mov ebx, EVTCHNOP_bind_virq
  call evtchn_op
  test eax, eax
  jnz .out
  mov eax, [evtchn_args + 8]
.out:
  pop ebx
  ret

; evtchn_bind_ipi: a port that raises vCPU 0 when this domain sends on it. EAX = port / -errno.
evtchn_bind_ipi:
  push ebx
  mov dword [evtchn_args], 0
  mov ebx, EVTCHNOP_bind_ipi
  call evtchn_op
  test eax, eax
  jnz .out
  mov eax, [evtchn_args + 4]
.out:
  pop ebx
  ret

; evtchn_alloc_unbound: EAX = the domain allowed to bind. EAX = the new port, or -errno.
evtchn_alloc_unbound:
  push ebx
  shl eax, 16
  or eax, DOMID_SELF
  mov [evtchn_args], eax        ; dom = DOMID_SELF, remote_dom = EAX
  mov ebx, EVTCHNOP_alloc_unbound
  call evtchn_op
  test eax, eax
  jnz .out
  mov eax, [evtchn_args + 4]
.out:
  pop ebx
  ret

; evtchn_bind_interdomain: EAX = remote domain, EDX = its port. EAX = local port, or -errno.
evtchn_bind_interdomain:
  push ebx
  mov [evtchn_args], eax
  mov [evtchn_args + 4], edx
  mov ebx, EVTCHNOP_bind_interdomain
  call evtchn_op
  test eax, eax
  jnz .out
  mov eax, [evtchn_args + 8]
.out:
  pop ebx
  ret

; evtchn_send: notifies the other end of port EAX. EAX = 0 or -errno.
evtchn_send:
  push ebx
  mov [evtchn_args], eax
  mov ebx, EVTCHNOP_send
  call evtchn_op
  pop ebx
  ret

; evtchn_unmask: unmasks port EAX through Xen, which raises it if it went pending masked.
evtchn_unmask:
  push ebx
  mov [evtchn_args], eax
  mov ebx, EVTCHNOP_unmask
  call evtchn_op
  pop ebx
  ret

; block: SCHEDOP_block — enable events and sleep until an upcall is due; the upcall runs
; before this returns.
block:
  push ebx
  push ecx
  mov ebx, SCHEDOP_block
  xor ecx, ecx
  HYPERCALL __HYPERVISOR_sched_op
  pop ecx
  pop ebx
  ret

section .bss
alignb 4
evtchn_args:     resd 8
; The handler of each port, or 0 (the event is taken and dropped).
evtchn_handlers: resd NR_EVENT_CHANNELS
