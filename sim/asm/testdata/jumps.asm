bits 32
org 0x1000
start:
  jmp fwd
  jz fwd
  times 100 nop
fwd:
  jnz start
  jmp far_away
  times 200 db 0
far_away:
  jmp start
  call start
  loop far_away
