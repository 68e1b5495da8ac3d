; Benchmark (b) `mixed`: calls, string instructions, host-handled page faults and port I/O.
; Runs in ring 1 in PV host mode, as a Xen PV kernel does: each iteration touches one of 16
; "demand" pages that the host keeps unmapped until the #PF exit, then maps (unmapping the one
; before), so every iteration costs one HostTrap round trip to the TypeScript host.

bits 32
org 0x1000

SRC equ 0x300000
DST equ 0x301000
DEMAND equ 0x400000
POST_PORT equ 0x80
DONE_PORT equ 0xf4  ; claimed by the host: ring 1 may not HLT

start:
    mov ebp, ITERATIONS
    xor ebx, ebx
.next:
    call copy
    mov eax, ebx
    and eax, 15
    shl eax, 12
    add dword [DEMAND + eax], 1
    out POST_PORT, al
    in al, POST_PORT
    inc ebx
    dec ebp
    jnz .next
    out DONE_PORT, al

; Copies 64 bytes from SRC to DST and fills the 32 bytes after them with BL.
copy:
    push esi
    push edi
    push ecx
    mov esi, SRC
    mov edi, DST
    mov ecx, 16
    rep movsd
    mov ecx, 32
    mov al, bl
    rep stosb
    pop ecx
    pop edi
    pop esi
    ret
