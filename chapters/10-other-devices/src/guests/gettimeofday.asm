; Your working copy for chapter 10, generated from solutions/guests/gettimeofday.asm by npx xenlab stage.
; gettimeofday: the book's exercise 3.4 — a guest that maps its shared info page, then three
; times reads Xen's system time and the time of day and prints them: book §3.4.

%include "lib/head.asm"
%include "lib/time.asm"

READINGS equ 3
DELAY    equ 20000              ; loop turns between readings (about 40 µs of virtual time)

section .text
main:
  call map_shared_info
  test eax, eax
  jnz .no_shared_info
  mov ebx, READINGS
.reading:
  mov esi, system_time_is
  call print
  call get_system_time
  call print_ns
  mov esi, seconds
  call print
  mov esi, time_of_day_is
  call print
  call gettimeofday
  call print_timeofday
  mov esi, newline
  call print
  mov ecx, DELAY
.delay:
  dec ecx
  jnz .delay
  dec ebx
  jnz .reading
  ret
.no_shared_info:
  mov esi, cannot_map
  call print
  neg eax
  call print_dec
  mov esi, newline
  call print
  ret

section .data
system_time_is: db "Xen system time: ", 0
seconds:        db " s", 13, 10, 0
time_of_day_is: db "Time of day:     ", 0
newline:        db 13, 10, 0
cannot_map:     db "update_va_mapping(shared_info) failed: -", 0
