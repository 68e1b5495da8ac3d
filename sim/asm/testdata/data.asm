bits 32
section .text
msg: db 'hi', 0, `a\n\x41`
len equ $ - msg
  dw len, 'abc'
  dd msg, $, $$, 1 << 4 | 3, -(2 * 3), 7 / 2, -7 // 2, 7 % 3, 1 ? 5 : 6
  dd (3 + 4) * 2, 10 - 2 - 3, 0x10 >> 1, ~0, !0, 5 > 3, 2 == 2 && 0
  times 3 db 0xAA
  align 8
  db 1
  align 4, db 0xCC
  resb 2
  dq -1
section .data
val: dd 0x11223344
section .bss
buf: resd 4
section .text
  mov eax, val
  mov ebx, buf
  mov ecx, 16
