; Your working copy for chapter 10, generated from solutions/guests/x86-problem.asm by npx xenlab stage.
; x86-problem: a kernel asks the CPU about its privileged state with instructions that do not
; trap outside ring 0, and prints the answers. Deprivileged, it learns the host's secrets; once
; rewritten, the monitor answers from the guest's virtual CPU: book §1.4, §1.5.1.

bits 32
org 0

section .text
start:
  lgdt [gdt_pointer]            ; privileged: the monitor records the virtual GDTR
  sgdt [stored]                 ; sensitive, unprivileged: whose GDT does it show?
  mov esi, sgdt_says
  call print
  mov eax, [stored + 2]
  call print_hex
  mov esi, ours_at
  call print
  mov eax, gdt
  call print_hex
  mov esi, newline
  call print

  mov esi, pushf_says
  call print
  cli                           ; privileged: the monitor clears the virtual IF
  pushfd                        ; sensitive: which IF does it show?
  pop eax
  shr eax, 9
  and eax, 1
  call print_dec
  mov esi, newline
  call print

  mov esi, smsw_says
  call print
  smsw eax                      ; sensitive: CR0 as whom?
  call print_hex
  mov esi, newline
  call print
  hlt

%include "lib/port-console.asm"

section .data
align 8
gdt:
  dq 0                          ; a null descriptor and a flat ring-0 code segment
  dq 0x00cf9a000000ffff
gdt_end:
gdt_pointer:
  dw gdt_end - gdt - 1
  dd gdt
stored: times 6 db 0
sgdt_says:  db "sgdt: GDT base ", 0
ours_at:    db ", ours is at ", 0
newline:    db 10, 0
pushf_says: db "pushf after cli: IF=", 0
smsw_says:  db "smsw: CR0=", 0
