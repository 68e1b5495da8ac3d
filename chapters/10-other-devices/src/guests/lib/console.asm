; Your working copy for chapter 10, generated from solutions/guests/lib/console.asm by npx xenlab stage.
; Printing through Xen's console with console_io(CONSOLEIO_write): book §2.3; Mini-OS
; console/console.c (the early console path).

section .text

; print: writes the NUL-terminated string at ESI. Preserves every register but EAX.
print:
  push ebx
  push ecx
  push edx
  mov edx, esi
  xor ecx, ecx
.length:
  cmp byte [edx + ecx], 0
  je .write
  inc ecx
  jmp .length
.write:
  mov ebx, CONSOLEIO_write
  HYPERCALL __HYPERVISOR_console_io
  pop edx
  pop ecx
  pop ebx
  ret

; print_dec: writes EAX as an unsigned decimal number. Preserves every register but EAX.
print_dec:
  push ebx
  push edx
  push esi
  mov esi, print_dec_buffer + 11
  mov byte [esi], 0
  mov ebx, 10
.digit:
  xor edx, edx
  div ebx
  add dl, '0'
  dec esi
  mov [esi], dl
  test eax, eax
  jnz .digit
  call print
  pop esi
  pop edx
  pop ebx
  ret

section .bss
print_dec_buffer: resb 12
