; Your working copy for chapter 10, generated from solutions/guests/pagefault.asm by npx xenlab stage.
; pagefault: a guest that handles its own page faults. It registers a handler with
; set_trap_table, unmaps a page of its own, then writes to it: Xen bounces the #PF to the
; handler (the faulting address in vcpu_info.arch.cr2), which maps the page back and returns
; with iret, and the write is retried: book §5.7.2, appendix A.3.

%include "lib/head.asm"

section .text
main:
  ; The shared info page: vcpu_info.arch.cr2 is where Xen leaves the faulting address.
  mov eax, [start_info]
  mov ecx, [eax + START_INFO_shared_info]
  or ecx, 3
  xor edx, edx
  mov ebx, shared_info_page
  mov esi, UVMF_INVLPG
  HYPERCALL __HYPERVISOR_update_va_mapping
  mov ebx, trap_table
  HYPERCALL __HYPERVISOR_set_trap_table

  ; Remember demand_page's machine address (P2M: mfn_list[pfn]), then unmap it.
  mov eax, demand_page
  shr eax, 12
  mov edx, [start_info]
  mov edx, [edx + START_INFO_mfn_list]
  mov eax, [edx + eax * 4]
  shl eax, 12
  mov [demand_pte], eax
  mov ebx, demand_page
  xor ecx, ecx
  xor edx, edx
  mov esi, UVMF_INVLPG
  HYPERCALL __HYPERVISOR_update_va_mapping

  ; This store faults; the handler maps the page and the store runs again.
  mov dword [demand_page + 0x10], 1234567
  mov esi, read_back
  call print
  mov eax, [demand_page + 0x10]
  call print_dec
  mov esi, faults
  call print
  mov eax, [fault_count]
  call print_dec
  mov esi, newline
  call print
  ret

; page_fault: entered by Xen's bounce frame — error code, EIP, CS, EFLAGS on the stack.
page_fault:
  push eax
  push ebx
  push ecx
  push edx
  push esi
  inc dword [fault_count]
  mov esi, fault_at
  call print
  mov eax, [shared_info_page + VCPU_INFO_arch_cr2]
  call print_hex
  mov esi, error_code
  call print
  mov eax, [esp + 20]
  call print_dec
  mov esi, closing
  call print
  ; Map the page back where the fault happened.
  mov ebx, [shared_info_page + VCPU_INFO_arch_cr2]
  and ebx, ~0xfff
  mov ecx, [demand_pte]
  or ecx, 3
  xor edx, edx
  mov esi, UVMF_INVLPG
  HYPERCALL __HYPERVISOR_update_va_mapping
  pop esi
  pop edx
  pop ecx
  pop ebx
  pop eax
  add esp, 4                    ; the error code
  iret

; print_hex: writes EAX as 0x followed by 8 hex digits. Preserves every register but EAX.
print_hex:
  push ecx
  push edx
  push esi
  mov esi, hex_buffer + 2
  mov ecx, 8
.digit:
  rol eax, 4
  mov edx, eax
  and edx, 0xf
  mov dl, [hex_digits + edx]
  mov [esi], dl
  inc esi
  dec ecx
  jnz .digit
  mov esi, hex_buffer
  call print
  pop esi
  pop edx
  pop ecx
  ret

section .data
; The virtual IDT: vector, flags (DPL 0, events left as they are), CS, handler; then the end.
trap_table:
  db TRAP_page_fault, 0
  dw FLAT_KERNEL_CS
  dd page_fault
  dd 0, 0
read_back:  db "read back ", 0
faults:     db " after page faults: ", 0
fault_at:   db "page fault at ", 0
error_code: db " (error code ", 0
closing:    db "), mapping it", 13, 10, 0
newline:    db 13, 10, 0
hex_digits: db "0123456789abcdef"
hex_buffer: db "0x00000000", 0
fault_count: dd 0
demand_pte:  dd 0

section .bss
alignb 4096
shared_info_page: resb 4096
demand_page:      resb 4096
