; Your working copy for chapter 10, generated from solutions/guests/disk.asm by npx xenlab stage.
; disk: a guest with a virtual disk. It connects its block front end, reads sector 0 (a FAT
; volume's boot sector), finds HELLO.TXT in the root directory and prints it, then writes the
; disk's last sector and reads it back, and closes the device: book §9.1.

%include "lib/head.asm"
%include "lib/time.asm"
%include "lib/evtchn.asm"
%include "lib/barrier.asm"
%include "lib/ring.asm"
%include "lib/gnttab.asm"
%include "lib/xenstore.asm"
%include "lib/xenbus.asm"
%include "lib/blkfront.asm"

PATTERN equ 0x5a

section .text
main:
  call map_shared_info
  call evtchn_init
  call xs_init
  call gnttab_map_own
  test eax, eax
  jnz .no_grant_table
  call blkfront_connect
  test eax, eax
  jnz .out
  mov esi, says_connected
  call print
  mov eax, [blk_sectors]
  call print_dec
  mov esi, says_sectors_of
  call print
  mov eax, [blk_sector_size]
  call print_dec
  mov esi, says_bytes
  call print
  call read_boot_sector
  jc .out
  call print_hello
  call write_last_sector
  call blkfront_close
  test eax, eax
  jnz .still_mapped
  mov esi, says_closed
  call print
.out:
  ret
.still_mapped:
  mov esi, says_still_mapped
  call print
  ret
.no_grant_table:
  mov esi, says_no_grant_table
  call print
  ret

; read: EDX = first sector, ECX = count, into blk_buffer. CF set (and a message) on an error.
read:
  mov eax, BLKIF_OP_READ
  call blkfront_io
  test eax, eax
  jz .ok
  mov esi, says_io_error
  call print
  stc
  ret
.ok:
  clc
  ret

; read_boot_sector: reads sector 0 and prints its OEM name and signature; keeps where the root
; directory starts (in sectors) in root_sector. CF set when it is no FAT boot sector.
read_boot_sector:
  xor edx, edx
  mov ecx, 1
  call read
  jc .out
  mov esi, says_sector0
  call print
  mov esi, blk_buffer + 3       ; the OEM name, 8 characters
  mov edi, oem
  mov ecx, 8
  rep movsb
  mov esi, oem
  call print
  mov esi, says_signature
  call print
  movzx eax, word [blk_buffer + 510]
  call print_hex16
  mov esi, newline
  call print
  cmp word [blk_buffer + 510], 0xaa55
  jne .not_fat
  ; root directory = reserved + FATs * sectors per FAT
  movzx eax, word [blk_buffer + 22]
  movzx ecx, byte [blk_buffer + 16]
  imul eax, ecx
  movzx ecx, word [blk_buffer + 14]
  add eax, ecx
  mov [root_sector], eax
  ; first data sector = root + root entries * 32 / 512
  movzx ecx, word [blk_buffer + 17]
  shr ecx, 4
  add eax, ecx
  mov [data_sector], eax
  movzx eax, byte [blk_buffer + 13]
  mov [cluster_sectors], eax
  clc
  ret
.not_fat:
  mov esi, says_not_fat
  call print
  stc
.out:
  ret

; print_hello: finds HELLO.TXT among the root directory's first 128 entries and prints its
; first sector.
print_hello:
  mov edx, [root_sector]
  mov ecx, SECTORS_PER_PAGE
  call read
  jc .out
  mov esi, blk_buffer
.entry:
  cmp byte [esi], 0
  je .missing
  push esi
  mov edi, hello_name
  mov ecx, 11
  repe cmpsb
  pop esi
  je .found
  add esi, 32
  cmp esi, blk_buffer + 4096
  jb .entry
.missing:
  mov esi, says_no_hello
  call print
  ret
.found:
  mov ebx, [esi + 28]           ; its size
  movzx eax, word [esi + 26]    ; its first cluster → its first sector
  sub eax, 2
  imul eax, [cluster_sectors]
  add eax, [data_sector]
  mov edx, eax
  mov esi, says_hello_at
  call print
  mov eax, edx
  call print_dec
  mov esi, says_colon
  call print
  mov ecx, 1
  call read
  jc .out
  cmp ebx, 511
  jbe .terminate
  mov ebx, 511
.terminate:
  mov byte [blk_buffer + ebx], 0
  mov esi, blk_buffer
  call print
.out:
  ret

; write_last_sector: fills the last sector with a pattern of its number, writes it, clears the
; buffer, reads it back and says whether every byte came back.
write_last_sector:
  mov edx, [blk_sectors]
  dec edx
  mov edi, blk_buffer
  mov ecx, 512
  mov al, PATTERN
  rep stosb
  mov [blk_buffer], edx         ; the sector's number at its start
  mov eax, BLKIF_OP_WRITE
  mov ecx, 1
  call blkfront_io
  test eax, eax
  jnz .error
  mov edi, blk_buffer
  mov ecx, 512
  xor eax, eax
  rep stosb
  mov ecx, 1
  call read
  jc .out
  mov esi, says_wrote
  call print
  mov eax, edx
  call print_dec
  cmp [blk_buffer], edx
  jne .differs
  mov esi, blk_buffer + 4
.check:
  cmp byte [esi], PATTERN
  jne .differs
  inc esi
  cmp esi, blk_buffer + 512
  jb .check
  mov esi, says_read_back
  call print
  ret
.differs:
  mov esi, says_differs
  call print
  ret
.error:
  mov esi, says_io_error
  call print
.out:
  ret

; print_hex16: writes AX as four hex digits after "0x". Preserves every register but EAX.
print_hex16:
  push ecx
  push esi
  mov ecx, 2                    ; after "0x"
.digit:
  rol ax, 4
  push eax
  and eax, 0xf
  mov al, [hex_digits + eax]
  mov [hex_text + ecx], al
  pop eax
  inc ecx
  cmp ecx, 6
  jne .digit
  mov esi, hex_text
  call print
  pop esi
  pop ecx
  ret

section .data
hello_name:          db "HELLO   TXT"
hex_digits:          db "0123456789abcdef"
hex_text:            db "0x0000", 0
says_connected:      db "disk: connected, ", 0
says_sectors_of:     db " sectors of ", 0
says_bytes:          db " bytes", 13, 10, 0
says_sector0:        db "disk: sector 0: OEM ", 0
says_signature:      db ", signature ", 0
says_not_fat:        db "disk: no FAT volume", 13, 10, 0
says_no_hello:       db "disk: no HELLO.TXT in the root directory", 13, 10, 0
says_hello_at:       db "disk: HELLO.TXT at sector ", 0
says_colon:          db ": ", 0
says_wrote:          db "disk: wrote sector ", 0
says_read_back:      db ", read it back: same", 13, 10, 0
says_differs:        db ", read it back: DIFFERENT", 13, 10, 0
says_io_error:       db "disk: I/O error", 13, 10, 0
says_closed:         db "disk: closed", 13, 10, 0
says_still_mapped:   db "disk: closed, but the back end still maps the ring", 13, 10, 0
says_no_grant_table: db "disk: cannot map the grant table", 13, 10, 0
newline:             db 13, 10, 0

section .bss
oem:             resb 9
root_sector:     resd 1
data_sector:     resd 1
cluster_sectors: resd 1
