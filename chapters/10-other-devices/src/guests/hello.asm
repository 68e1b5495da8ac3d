; Your working copy for chapter 10, generated from solutions/guests/hello.asm by npx xenlab stage.
; hello: the first guest — it greets, asks Xen who it is, reads its start_info, and powers off:
; book §2.1–2.3.

%include "lib/head.asm"

section .text
main:
  mov esi, greeting
  call print

  ; xen_version(XENVER_version) returns major << 16 | minor in EAX.
  mov esi, running_on
  call print
  mov ebx, XENVER_version
  xor ecx, ecx
  HYPERCALL __HYPERVISOR_xen_version
  push eax
  shr eax, 16
  call print_dec
  mov esi, dot
  call print
  pop eax
  and eax, 0xffff
  call print_dec
  mov ebx, XENVER_extraversion
  mov ecx, version_buffer
  HYPERCALL __HYPERVISOR_xen_version
  mov esi, version_buffer
  call print
  mov esi, newline
  call print

  ; start_info: the magic string and how much memory this domain has.
  mov esi, start_info_says
  call print
  mov esi, [start_info]
  call print                    ; magic (START_INFO_magic is 0)
  mov esi, comma
  call print
  mov eax, [start_info]
  mov eax, [eax + START_INFO_nr_pages]
  call print_dec
  mov esi, pages
  call print
  ret

section .data
greeting:        db "Hello from a PV guest on xenlab!", 13, 10, 0
running_on:      db "Running on Xen ", 0
dot:             db ".", 0
newline:         db 13, 10, 0
start_info_says: db "start_info: ", 0
comma:           db ", ", 0
pages:           db " pages", 13, 10, 0

section .bss
version_buffer: resb 16
