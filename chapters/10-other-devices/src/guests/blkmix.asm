; Your working copy for chapter 10, generated from solutions/guests/blkmix.asm by npx xenlab stage.
; blkmix: a seeded mix of sector reads and writes through the block front end, for checking it
; against a model disk: `seed=N ops=M` on the command line. Each step draws, from a 32-bit
; linear congruential generator (x = x * 1103515245 + 12345), an operation, a count of 1 to 8
; sectors and a first sector; a write fills the sectors with the generator's next values, a
; read prints a checksum of what came back: book §9.1.2. With `unplug=1` it then keeps the disk
; until the back end closes (the toolstack detaching it), and closes its end too.

%include "lib/head.asm"
%include "lib/time.asm"
%include "lib/evtchn.asm"
%include "lib/barrier.asm"
%include "lib/ring.asm"
%include "lib/gnttab.asm"
%include "lib/xenstore.asm"
%include "lib/xenbus.asm"
%include "lib/blkfront.asm"

section .text
main:
  call map_shared_info
  call evtchn_init
  call xs_init
  call gnttab_map_own
  test eax, eax
  jnz .out
  call blkfront_connect
  test eax, eax
  jnz .out
  mov esi, key_seed
  call cmdline_number
  mov [lcg], eax
  mov esi, key_ops
  call cmdline_number
  mov edi, eax                  ; EDI = steps left
.step:
  test edi, edi
  jle .done
  call next                     ; the operation: bit 16 of a draw
  shr eax, 16
  and eax, 1
  mov ebp, eax
  call next                     ; 1 + (draw >> 16) % 8 sectors
  shr eax, 16
  and eax, 7
  inc eax
  mov ecx, eax
  call next                     ; first sector: draw % (sectors - count + 1)
  mov ebx, [blk_sectors]
  sub ebx, ecx
  inc ebx
  xor edx, edx
  div ebx
  ; EDX = first sector, ECX = count, EBP = BLKIF_OP_READ or BLKIF_OP_WRITE
  test ebp, ebp
  jz .read
  call fill
  mov eax, BLKIF_OP_WRITE
  mov esi, says_write
  jmp .io
.read:
  mov eax, BLKIF_OP_READ
  mov esi, says_read
.io:
  push eax
  call print
  mov eax, edx
  call print_dec
  mov esi, says_plus
  call print
  mov eax, ecx
  call print_dec
  pop eax
  call blkfront_io
  test eax, eax
  jnz .error
  test ebp, ebp
  jnz .next
  mov esi, says_sum
  call print
  call checksum
  call print_dec
.next:
  mov esi, newline
  call print
  dec edi
  jmp .step
.error:
  mov esi, says_error
  call print
  neg eax
  call print_dec
  mov esi, newline
  call print
  dec edi
  jmp .step
.done:
  mov esi, says_done
  call print
  mov esi, key_unplug           ; unplug=1: keep the disk until the toolstack takes it away
  call cmdline_number
  cmp eax, 1
  jne .out
  mov esi, says_waiting
  call print
  mov eax, XenbusStateClosing
  call xenbus_wait_backend_state
  call blkfront_close
  mov esi, says_closed
  call print
.out:
  ret

; next: EAX = the generator's next value. Preserves every other register.
next:
  push edx
  mov eax, [lcg]
  mov edx, 1103515245
  mul edx
  add eax, 12345
  mov [lcg], eax
  pop edx
  ret

; fill: ECX sectors of blk_buffer get the generator's next values, one per dword.
fill:
  push ecx
  push edi
  shl ecx, 7                    ; dwords
  mov edi, blk_buffer
.dword:
  call next
  stosd
  loop .dword
  pop edi
  pop ecx
  ret

; checksum: EAX = the sum of ECX sectors of blk_buffer, a dword at a time, rotated by 1 bit
; before each add (so the order counts). Preserves every other register.
checksum:
  push ecx
  push esi
  shl ecx, 7
  mov esi, blk_buffer
  xor eax, eax
.dword:
  rol eax, 1
  add eax, [esi]
  add esi, 4
  loop .dword
  pop esi
  pop ecx
  ret

section .data
key_seed:   db "seed=", 0
key_ops:    db "ops=", 0
key_unplug: db "unplug=", 0
says_read:  db "read ", 0
says_write: db "write ", 0
says_plus:  db "+", 0
says_sum:   db ": sum ", 0
says_error: db ": error -", 0
says_done:  db "blkmix: done", 13, 10, 0
says_waiting: db "blkmix: waiting for the back end to close", 13, 10, 0
says_closed: db "blkmix: closed", 13, 10, 0
newline:    db 13, 10, 0
lcg:        dd 0
