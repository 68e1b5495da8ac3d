; Task and virtual-8086 test kernel: a double fault delivered through an IDT task gate (the way
; Linux and 32-bit Xen handle #DF), returning to the faulting task with IRET (NT, back link,
; busy bits), then a trip into virtual-8086 mode whose INT n (IOPL 0) comes back to ring 0 as
; #GP(0). POST codes: 01–03 prologue, 20–24 the steps, FF done.

%include "common.inc"

DFTSS equ 0x40
V86_STACK equ 0x8000

kernel_main:
  post 0x20
  ; GDT 0x40: the double-fault task's TSS (base below 64 KiB).
  mov eax, df_tss
  mov word [gdt_spare], 0x67
  mov [gdt_spare + 2], ax
  shr eax, 16
  mov [gdt_spare + 4], al
  mov byte [gdt_spare + 5], 0x89
  mov byte [gdt_spare + 6], 0
  mov [gdt_spare + 7], ah
  ; IDT 8: task gate to it. #GP's gate not present: raising #GP ends in #DF.
  mov dword [IDT + 8 * 8], DFTSS << 16
  mov dword [IDT + 8 * 8 + 4], 0x8500
  and byte [IDT + 13 * 8 + 5], 0x7f
  mov ebx, 0x600d
  mov ax, 0x1000
  mov ds, ax                    ; #GP → #NP → #DF → task switch
  jmp fail
df_back:
  post 0x21
  cmp ebx, 0x600d               ; our registers came back from our TSS
  jne fail
  test byte [gdt_spare + 5], 2  ; the double-fault task is no longer busy
  jnz fail
  pushfd
  pop eax
  test eax, 0x4000              ; and we are not nested
  jnz fail
  or byte [IDT + 13 * 8 + 5], 0x80
  post 0x22

  ; Virtual-8086 mode: IRETD with VM, at 0000:v86_code.
  set_gate 13, v86_gp, 0x8e
  push dword 0                  ; GS
  push dword 0                  ; FS
  push dword 0                  ; DS
  push dword 0                  ; ES
  push dword 0                  ; SS
  push dword V86_STACK          ; ESP
  push dword 0x20002            ; EFLAGS: VM, IOPL 0
  push dword 0                  ; CS
  push dword v86_code           ; EIP
  iret

; The double-fault task: runs on its own stack with NT set and the back link naming the
; faulting task, whose saved EIP it moves past the fault before returning.
df_task:
  pop eax                       ; #DF's error code
  test eax, eax
  jnz fail
  pushfd
  pop eax
  test eax, 0x4000
  jz fail
  cmp word [df_tss], TSSSEL
  jne fail
  mov dword [tss + 0x20], df_back
  iret
  jmp fail

; #GP from virtual-8086 mode: the frame holds the V86 state, DS was nulled on the way in.
v86_gp:
  mov ax, DATA0
  mov ds, ax
  mov es, ax
  cmp dword [esp], 0            ; error code
  jne fail
  test dword [esp + 12], 0x20000
  jz fail
  cmp dword [esp + 8], 0        ; CS of the V86 code
  jne fail
  cmp dword [esp + 20], 0       ; SS
  jne fail
  mov esp, STACK0
  post 0x23
  cmp word [0x500], 0x1234
  jne fail
  post 0x24
  post 0xff
  hlt

bits 16
v86_code:
  mov ax, 0x1234
  mov [0x500], ax
  int 0x21                      ; IOPL 0: #GP(0)
  jmp v86_code
bits 32

align 4
df_tss:
  dd 0                          ; back link (written by the task switch)
  times 7 dd 0                  ; ESP0 … SS2, CR3
  dd df_task                    ; EIP
  dd 0x2                        ; EFLAGS
  dd 0, 0, 0, 0                 ; EAX ECX EDX EBX
  dd 0xb000                     ; ESP
  dd 0, 0, 0                    ; EBP ESI EDI
  dd DATA0, CODE0, DATA0, DATA0, 0, 0 ; ES CS SS DS FS GS
  dd 0                          ; LDT
  dw 0, 0x68                    ; T, I/O bitmap offset
