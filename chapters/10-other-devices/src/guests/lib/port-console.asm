; Your working copy for chapter 10, generated from solutions/guests/lib/port-console.asm by npx xenlab stage.
; Printing for chapter 1's guests: bytes to the debug console port 0xE9, which is all the
; monitor of solutions/monitor offers. OUT is privileged above IOPL, so each byte traps to the
; monitor when the guest runs deprivileged: book §1.1.2 (I/O virtualisation by trap and emulate).

CONSOLE_PORT equ 0xe9

section .text
; print: writes the zero-terminated string at ESI. Clobbers EAX, ESI.
print:
  lodsb
  test al, al
  jz .done
  out CONSOLE_PORT, al
  jmp print
.done:
  ret

; print_hex: writes EAX as 0x and eight hex digits. Clobbers nothing.
print_hex:
  pushad
  mov edx, eax
  mov al, '0'
  out CONSOLE_PORT, al
  mov al, 'x'
  out CONSOLE_PORT, al
  mov ecx, 8
.digit:
  rol edx, 4
  mov eax, edx
  and eax, 0xf
  mov al, [hex_digits + eax]
  out CONSOLE_PORT, al
  loop .digit
  popad
  ret

; print_dec: writes EAX in decimal. Clobbers nothing.
print_dec:
  pushad
  mov ebx, 10
  xor ecx, ecx
.divide:
  xor edx, edx
  div ebx
  push edx
  inc ecx
  test eax, eax
  jnz .divide
.emit:
  pop eax
  add al, '0'
  out CONSOLE_PORT, al
  loop .emit
  popad
  ret

section .data
hex_digits: db "0123456789abcdef"
