bits 16
org 0x7c00
%define SEG 0x07c0
%macro print 1
  mov si, %1
  call puts
%endmacro
%macro twice 2+
%%top:
  %2
  %2
  jmp %%top
%endmacro
struc point
  .x: resw 1
  .y: resd 1
  .name: resb 3
endstruc
start:
  cli
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7c00
  mov ax, SEG
  print msg
  twice x, inc ax
  mov eax, [bx+si+4]
  mov al, [bp]
  mov [di-2], cx
  mov ax, [0x1234]
  mov ebx, 5
  push word 5
  push dword 5
  mov ax, [ebx+4]
  lea ax, [bx+di]
  jmp 0:start
  jmp start
  call puts
  int 0x10
  lgdt [gdt]
  mov eax, cr0
  or al, 1
  mov cr0, eax
  jmp dword 0x08:pm
puts:
  lodsb
  test al, al
  jz .done
  mov ah, 0x0e
  int 0x10
  jmp puts
.done:
  ret
bits 32
pm:
  mov eax, point_size
  mov ebx, point.y
  jmp $
msg: db 'Hello, world', 13, 10, 0
  dw 'ab', 'abc'
  dd 'x', 1, 2
  dq 0x123456789abcdef0
p1: istruc point
  at point.x, dw 1
  at point.y, dd 2
iend
%if 1 + 1 == 2
  db 1
%else
  db 2
%endif
%ifdef SEG
  db 3
%endif
%ifndef SEG
  db 4
%endif
%assign n 3
%rep n
  db n
%endrep
align 16
gdt: dw gdt_end - gdt - 1
  dd gdt
gdt_end:
  times 510-($-$$) db 0
  dw 0xaa55
