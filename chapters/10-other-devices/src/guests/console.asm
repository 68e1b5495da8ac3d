; Your working copy for chapter 10, generated from solutions/guests/console.asm by npx xenlab stage.
; console: greets over its console ring, then echoes what is typed until Ctrl-D: book §6.7.
; Everything goes through the console page and its back end in domain 0, not console_io.

%include "lib/head.asm"

CTRL_D        equ 4
CR            equ 13

section .text
main:
  call xencons_init
  mov esi, greeting
  call xencons_print
.read:
  mov edi, typed
  mov ecx, TYPED_SIZE
  call xencons_read
  test eax, eax
  jz .wait
  mov esi, typed
  mov ecx, eax
.echo:
  mov al, [esi]
  cmp al, CTRL_D
  je .bye
  cmp al, CR
  je .newline
  push ecx
  mov ecx, 1
  call xencons_write
  pop ecx
  jmp .next
.newline:
  push esi
  mov esi, crlf
  call xencons_print
  pop esi
.next:
  inc esi
  dec ecx
  jnz .echo
  jmp .read
.wait:
  call yield                           ; nothing typed yet: look again later
  jmp .read
.bye:
  mov esi, goodbye
  call xencons_print
  ret

section .data
greeting: db "Hello over the console ring! Type, and Ctrl-D ends.", 13, 10, 0
crlf:     db 13, 10, 0
goodbye:  db 13, 10, "bye", 13, 10, 0

section .bss
TYPED_SIZE    equ 64
typed: resb TYPED_SIZE

%include "lib/barrier.asm"
%include "lib/gnttab.asm"
%include "lib/xencons.asm"
