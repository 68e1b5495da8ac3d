; Your working copy for chapter 10, generated from solutions/guests/timeloop.asm by npx xenlab stage.
; timeloop: reads Xen's system time over and over and counts the readings that went backwards;
; several copies run side by side to show the version protocol at work: book §3.3.

%include "lib/head.asm"
%include "lib/time.asm"

READS equ 2000

section .text
main:
  call map_shared_info
  test eax, eax
  jnz .no_shared_info
  call get_system_time
  mov [previous], eax
  mov [previous + 4], edx
  mov ecx, READS
.read:
  call get_system_time
  cmp edx, [previous + 4]
  ja .forward
  jb .backward
  cmp eax, [previous]
  jae .forward
.backward:
  inc dword [backwards]
.forward:
  mov [previous], eax
  mov [previous + 4], edx
  dec ecx
  jnz .read
  mov esi, read_it
  call print
  mov eax, READS
  call print_dec
  mov esi, went_back
  call print
  mov eax, [backwards]
  call print_dec
  mov esi, last_was
  call print
  mov eax, [previous]
  mov edx, [previous + 4]
  call print_ns
  mov esi, seconds
  call print
  ret
.no_shared_info:
  mov esi, cannot_map
  call print
  ret

section .data
read_it:    db "read the system time ", 0
went_back:  db " times; it went backwards ", 0
last_was:   db " times; last reading ", 0
seconds:    db " s", 13, 10, 0
cannot_map: db "update_va_mapping(shared_info) failed", 13, 10, 0
previous:   dd 0, 0
backwards:  dd 0
