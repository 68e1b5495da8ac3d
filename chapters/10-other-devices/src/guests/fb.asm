; Your working copy for chapter 10, generated from solutions/guests/fb.asm by npx xenlab stage.
; fb: a guest with a screen and a keyboard. It connects its framebuffer and keyboard front
; ends, draws a background, two rectangles and the words "XEN 10", tells the back end what it
; drew, then prints each key and pointer event it reads and marks each key press with a small
; square on the screen, until Q is pressed: book §10.2.

%include "lib/head.asm"
%include "lib/time.asm"
%include "lib/evtchn.asm"
%include "lib/barrier.asm"
%include "lib/gnttab.asm"
%include "lib/xenstore.asm"
%include "lib/xenbus.asm"
%include "lib/fbfront.asm"

KEY_Q      equ 16               ; Linux input's KEY_Q
BACKGROUND equ 0x000020
RED        equ 0xff0000
GREEN      equ 0x00ff00
WHITE      equ 0xffffff
YELLOW     equ 0xffff00

section .text
main:
  call map_shared_info
  call evtchn_init
  call xs_init
  call fbfront_connect
  test eax, eax
  jnz .out
  call kbdfront_connect
  test eax, eax
  jnz .out
  call draw
  mov esi, says_drew
  call print
.event:
  call kbd_next
  movzx eax, byte [kbd_event]
  cmp eax, XENKBD_TYPE_KEY
  je .key
  cmp eax, XENKBD_TYPE_POS
  je .position
  mov esi, says_other           ; motion, or a type this kernel does not know
  call print
  movzx eax, byte [kbd_event]
  call print_dec
  mov esi, newline
  call print
  jmp .event
.position:
  mov esi, says_pointer
  call print
  mov eax, [kbd_event + 4]
  call print_dec
  mov esi, comma
  call print
  mov eax, [kbd_event + 8]
  call print_dec
  mov esi, newline
  call print
  jmp .event
.key:
  mov esi, says_key
  call print
  mov eax, [kbd_event + 4]
  call print_dec
  mov esi, says_up
  cmp byte [kbd_event + 1], 0
  je .print_state
  mov esi, says_down
  call mark_key
.print_state:
  call print
  cmp byte [kbd_event + 1], 0
  je .event
  cmp dword [kbd_event + 4], KEY_Q
  jne .event
  mov esi, says_bye
  call print
.out:
  ret

; draw: the whole picture, then one update for the whole screen.
draw:
  xor eax, eax
  xor ebx, ebx
  mov ecx, FB_WIDTH
  mov edx, FB_HEIGHT
  mov esi, BACKGROUND
  call fb_fill
  mov eax, 4
  mov ebx, 4
  mov ecx, 20
  mov edx, 12
  mov esi, RED
  call fb_fill
  mov eax, 40
  mov ebx, 30
  mov ecx, 20
  mov edx, 14
  mov esi, GREEN
  call fb_fill
  mov eax, 8
  mov ebx, 20
  mov edx, WHITE
  mov esi, text
  call fb_text
  xor eax, eax
  xor ebx, ebx
  mov ecx, FB_WIDTH
  mov edx, FB_HEIGHT
  call fb_update
  ret

; mark_key: a 4×4 yellow square for key press number [presses] along the bottom row, and an
; update for just that square. Preserves every register.
mark_key:
  pushad
  mov eax, [presses]
  inc dword [presses]
  cmp eax, FB_WIDTH / 5
  jae .out                      ; the row is full
  imul eax, eax, 5
  mov ebx, FB_HEIGHT - 4
  mov ecx, 4
  mov edx, 4
  mov esi, YELLOW
  call fb_fill
  call fb_update
.out:
  popad
  ret

section .data
text:         db "XEN 10", 0
says_drew:    db "fb: drew 64x48, waiting for keys", 13, 10, 0
says_key:     db "kbd: key ", 0
says_down:    db " down", 13, 10, 0
says_up:      db " up", 13, 10, 0
says_pointer: db "kbd: pointer at ", 0
says_other:   db "kbd: event of type ", 0
says_bye:     db "fb: bye", 13, 10, 0
comma:        db ",", 0
newline:      db 13, 10, 0

section .bss
presses:      resd 1
