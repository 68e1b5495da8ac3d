; Your working copy for chapter 10, generated from solutions/guests/count.asm by npx xenlab stage.
; count: a guest that keeps its memory busy, for save and restore. It maps the last page of its
; memory in place of one of its own, then for twelve steps fills eight pages with values of the
; step and prints their sum: restored into other frames, it must print what it would have
; printed anyway: book §5.7.3.

%include "lib/head.asm"

PAGES equ 8
STEPS equ 12

section .text
main:
  ; pages[0] becomes the domain's last pfn, far from the others.
  mov edx, [start_info]
  mov eax, [edx + START_INFO_nr_pages]
  dec eax
  mov ecx, [edx + START_INFO_mfn_list]
  mov ecx, [ecx + eax * 4]
  shl ecx, 12
  or ecx, 3
  xor edx, edx
  mov ebx, pages
  mov esi, UVMF_INVLPG
  HYPERCALL __HYPERVISOR_update_va_mapping
  mov dword [step], 1
.step:
  ; pages[i] = step * 2654435761 + i, for every dword i of the eight pages
  mov eax, [step]
  imul eax, eax, 2654435761
  xor ecx, ecx
.fill:
  lea edx, [eax + ecx]
  mov [pages + ecx * 4], edx
  inc ecx
  cmp ecx, PAGES * 1024
  jne .fill
  ; sum them, rotating so that the order matters
  xor eax, eax
  xor ecx, ecx
.sum:
  rol eax, 5
  add eax, [pages + ecx * 4]
  inc ecx
  cmp ecx, PAGES * 1024
  jne .sum
  push eax
  mov esi, says_step
  call print
  mov eax, [step]
  call print_dec
  mov esi, says_sum
  call print
  pop eax
  call print_dec
  mov esi, newline
  call print
  inc dword [step]
  cmp dword [step], STEPS
  jbe .step
  ret

section .data
says_step: db "step ", 0
says_sum:  db ": ", 0
newline:   db 13, 10, 0
step:      dd 0

section .bss
alignb 4096
pages: resb PAGES * 4096
