; Benchmark (a) `loop`: a tight loop with paging on — load, add, store, inc, and, dec, jnz —
; over a 16 KiB array, OUTER times. Flat 32-bit protected mode, ring 0, 4 KiB pages.

bits 32
org 0x1000

ARRAY equ 0x200000
ELEMENTS equ 4096

start:
    mov ebp, OUTER
.outer:
    mov esi, ARRAY
    mov ecx, ELEMENTS
.inner:
    mov eax, [esi]
    add eax, ebx
    mov [esi], eax
    inc ebx
    and ebx, 0xffff
    add esi, 4
    dec ecx
    jnz .inner
    dec ebp
    jnz .outer
    hlt
