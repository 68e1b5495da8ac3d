; Your working copy for chapter 10, generated from solutions/guests/smp.asm by npx xenlab stage.
; smp: a guest with two vCPUs. vCPU 0 gives vCPU 1 its first registers with VCPUOP_initialise
; (a vcpu_guest_context: entry point, own stack, the same page tables) and starts it with
; VCPUOP_up. Both then count on the round-robin scheduler, vCPU 0 yielding after each step;
; vCPU 1 notes whether vCPU 0 went on counting while it counted, and takes itself down. vCPU 0
; reads vCPU 1's runstate and prints it. What it prints does not depend on how the scheduler
; interleaves them: book §7.5; Xen public/vcpu.h, arch-x86/xen.h (vcpu_guest_context).

%include "lib/head.asm"

AP_COUNT equ 30000              ; how far vCPU 1 counts

section .text
main:
  mov esi, bringing_up
  call print
  call ap_context
  mov ebx, VCPUOP_initialise
  mov ecx, 1
  mov edx, ap_ctx
  HYPERCALL __HYPERVISOR_vcpu_op
  test eax, eax
  jnz .failed
  mov ebx, VCPUOP_up
  mov ecx, 1
  HYPERCALL __HYPERVISOR_vcpu_op
  test eax, eax
  jnz .failed
.count:                         ; vCPU 0 counts until vCPU 1 is done, yielding each time
  inc dword [count0]
  mov ebx, SCHEDOP_yield
  HYPERCALL __HYPERVISOR_sched_op
  cmp dword [ap_done], 0
  je .count
  mov esi, ap_said
  call print
  mov esi, no
  mov eax, [seen_to]
  cmp eax, [seen_from]
  je .said
  mov esi, yes
.said:
  call print
  call print_ap_runstate
  ret
.failed:
  neg eax
  push eax
  mov esi, failed
  call print
  pop eax
  call print_dec
  mov esi, newline
  call print
  ret

; ap_context: fills ap_ctx: vCPU 1 enters ap_main in ring 1 on its own stack, with the flat
; kernel segments and vCPU 0's page tables (CR3 in Xen's format: the L3's MFN << 12).
ap_context:
  mov dword [ap_ctx + VGC_user_regs + UREGS_eip], ap_main
  mov dword [ap_ctx + VGC_user_regs + UREGS_cs], FLAT_KERNEL_CS
  mov dword [ap_ctx + VGC_user_regs + UREGS_esp], ap_stack_top
  mov dword [ap_ctx + VGC_user_regs + UREGS_ss], FLAT_KERNEL_DS
  mov dword [ap_ctx + VGC_user_regs + UREGS_ds], FLAT_KERNEL_DS
  mov dword [ap_ctx + VGC_user_regs + UREGS_es], FLAT_KERNEL_DS
  mov dword [ap_ctx + VGC_kernel_ss], FLAT_KERNEL_DS
  mov dword [ap_ctx + VGC_kernel_sp], ap_stack_top
  mov eax, [start_info]
  mov eax, [eax + START_INFO_pt_base]
  shr eax, 12                   ; VIRT_BASE is 0: the virtual page is the pseudo-physical frame
  mov ebx, [start_info]
  mov ebx, [ebx + START_INFO_mfn_list]
  mov eax, [ebx + eax * 4]
  shl eax, 12
  mov [ap_ctx + VGC_ctrlreg + 3 * 4], eax
  ret

; print_ap_runstate: VCPUOP_get_runstate_info for vCPU 1: its state and the ns it ran.
print_ap_runstate:
  mov ebx, VCPUOP_get_runstate_info
  mov ecx, 1
  mov edx, runstate
  HYPERCALL __HYPERVISOR_vcpu_op
  mov esi, ap_state
  call print
  mov eax, [runstate + RUNSTATE_state]
  call print_dec
  mov esi, ran
  call print
  mov eax, [runstate + RUNSTATE_time]   ; time[RUNSTATE_running], low word (under 4 s)
  call print_dec
  mov esi, ns
  call print
  ret

; ap_main: vCPU 1's first instruction. It prints (print uses no shared buffer), counts, notes
; vCPU 0's count before and after, and goes down; it never returns.
ap_main:
  mov esi, ap_up
  call print
  mov eax, [count0]
  mov [seen_from], eax
  xor ecx, ecx
.count:
  inc ecx
  cmp ecx, AP_COUNT
  jne .count
  mov eax, [count0]
  mov [seen_to], eax
  mov dword [ap_done], 1
  mov ebx, VCPUOP_down
  mov ecx, 1
  HYPERCALL __HYPERVISOR_vcpu_op
  ud2                           ; not reached: a vCPU that is down does not run

section .data
bringing_up: db "vCPU 0: bringing up vCPU 1", 13, 10, 0
ap_up:       db "vCPU 1: up on its own stack", 13, 10, 0
ap_said:     db "vCPU 0: went on counting while vCPU 1 counted: ", 0
yes:         db "yes", 13, 10, 0
no:          db "no", 13, 10, 0
ap_state:    db "vCPU 1: runstate ", 0
ran:         db ", ran ", 0
ns:          db " ns", 13, 10, 0
failed:      db "vcpu_op failed: -", 0
newline:     db 13, 10, 0
count0:      dd 0
ap_done:     dd 0
seen_from:   dd 0
seen_to:     dd 0

section .bss
ap_ctx:      resb VGC_size
runstate:    resb RUNSTATE_size
ap_stack:    resb 4096
ap_stack_top:
