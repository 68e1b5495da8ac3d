; Protected-mode test kernel: entering protected mode, faults with exact error codes (#DE, #UD,
; #GP, #NP), ring 3 and back through an IRET, a trap gate and a call gate, and a double fault.
; POST codes: 01–03 common prologue, 04–09 the steps below, FF done.

%include "common.inc"

kernel_main:
  ; #DE, #UD: no error code.
  expect 0, -1, .after_de
  xor edx, edx
  xor eax, eax
  xor ecx, ecx
  div ecx
  jmp fail
.after_de:
  expect 6, -1, .after_ud
  ud2
  jmp fail
.after_ud:
  post 0x04

  ; #GP(selector) for a selector beyond the GDT limit, #NP(selector) for a segment not present.
  expect 13, 0x1000, .after_gp
  mov ax, 0x1000
  mov ds, ax
  jmp fail
.after_gp:
  expect 11, NPDATA, .after_np
  mov ax, NPDATA
  mov es, ax
  jmp fail
.after_np:
  expect 13, DATA3 & ~3, .after_ss
  mov ax, DATA3
  mov ss, ax                    ; DPL 3 stack at CPL 0
  jmp fail
.after_ss:
  post 0x05

  ; Ring 3 through IRET.
  mov dword [gate_continue], back_in_ring0
  to_ring3 ring3
ring3:
  mov ax, cs
  and ax, 3
  cmp ax, 3
  jne fail
  mov ax, DATA3
  mov ds, ax
  mov es, ax
  ; A privileged instruction at ring 3: #GP(0), the frame's CS is the ring-3 one.
  expect 13, 0, .after_cli
  cli
  jmp fail
.after_cli:
  cmp dword [got_cs], CODE3
  jne fail
  ; A DPL-3 trap gate into ring 0 and back.
  mov eax, 0x1234
  int 0x40
  cmp eax, 0x5678
  jne fail
  ; A DPL-0 gate from ring 3: #GP(vector*8 + 2).
  expect 13, 0x41 * 8 + 2, .after_int
  int 0x41
  jmp fail
.after_int:
  ; Back to ring 0 through the call gate.
  call CALLGATE:0
  jmp fail

back_in_ring0:
  post 0x06
  mov ax, cs
  test ax, 3
  jnz fail
  post 0x07

  ; Double fault: #GP's gate is not present, so raising #GP raises #NP while delivering it.
  and byte [IDT + 13 * 8 + 5], 0x7f
  expect 8, 0, .after_df
  mov ax, 0x1000
  mov ds, ax
  jmp fail
.after_df:
  post 0x08
  or byte [IDT + 13 * 8 + 5], 0x80
  expect 13, 0x1000, .after_gp2
  mov ax, 0x1000
  mov ds, ax
  jmp fail
.after_gp2:
  post 0x09
  post 0xff
  hlt
