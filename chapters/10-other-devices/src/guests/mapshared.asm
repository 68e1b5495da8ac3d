; Your working copy for chapter 10, generated from solutions/guests/mapshared.asm by npx xenlab stage.
; mapshared: the book's exercise — map the shared info page with update_va_mapping, then read
; it: which of the 32 vCPU slots have their events masked: book §5.8.

%include "lib/head.asm"

section .text
main:
  mov eax, [start_info]
  mov ecx, [eax + START_INFO_shared_info]
  call map_shared_info
  test eax, eax
  jnz .failed
  ; Count the vcpu_info slots whose evtchn_upcall_mask is set.
  xor ecx, ecx
  xor edx, edx
  mov ebx, shared_info_page + VCPU_INFO_evtchn_upcall_mask
.count:
  cmp byte [ebx], 0
  je .next
  inc edx
.next:
  add ebx, VCPU_INFO_SIZE
  inc ecx
  cmp ecx, 32
  jne .count
  mov esi, mapped
  call print
  mov eax, edx
  call print_dec
  mov esi, masked
  call print
  ; Xen's M2P, read-only at MACH2PHYS_VIRT_START: the last pfn's frame maps back to it.
  mov edx, [start_info]
  mov ebx, [edx + START_INFO_nr_pages]
  dec ebx
  mov ecx, [edx + START_INFO_mfn_list]
  mov ecx, [ecx + ebx * 4]
  mov esi, says_pfn
  call print
  mov eax, ebx
  call print_dec
  mov esi, says_mfn
  call print
  mov eax, ecx
  call print_dec
  mov esi, says_m2p
  call print
  mov eax, [MACH2PHYS_VIRT_START + ecx * 4]
  call print_dec
  mov esi, newline
  call print
  ret
.failed:
  neg eax
  push eax
  mov esi, refused
  call print
  pop eax
  call print_dec
  mov esi, newline
  call print
  ret

; map_shared_info: maps the machine address in ECX at shared_info_page, present and writable,
; flushing that page from the TLB. Returns update_va_mapping's result in EAX.
map_shared_info:
  mov ebx, shared_info_page
  or ecx, 3                     ; _PAGE_PRESENT | _PAGE_RW
  xor edx, edx                  ; high half of the PAE entry
  mov esi, UVMF_INVLPG
  HYPERCALL __HYPERVISOR_update_va_mapping
  ret

section .data
mapped:  db "shared info mapped: ", 0
masked:  db " of 32 vCPUs have events masked", 13, 10, 0
refused: db "update_va_mapping refused: -", 0
says_pfn: db "pfn ", 0
says_mfn: db " is mfn ", 0
says_m2p: db "; the M2P at 0xF5800000 says pfn ", 0
newline: db 13, 10, 0

section .bss
alignb 4096
shared_info_page: resb 4096
