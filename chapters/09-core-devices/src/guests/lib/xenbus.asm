; Your working copy for chapter 09, generated from solutions/guests/lib/xenbus.asm by npx xenlab stage.
; XenBus for a front end in a guest kernel: finding its device in XenStore, the back end's path
; and domain, its own state and waiting for the back end's: book §9.1.1; Xen public/io/xenbus.h,
; Mini-OS xenbus/xenbus.c (xenbus_read, xenbus_switch_state, xenbus_wait_for_state).
;
; One device per kernel: its front-end directory (relative to the domain's home, e.g.
; "device/vbd/51712") is in xb_front, the back end's absolute one in xb_back. Keys are named by
; a NUL-terminated string; xb_front_key and xb_back_key build the full path in xb_path. Needs
; lib/xenstore.asm (xs_init done).

XB_PATH_MAX equ 96

section .text

; xenbus_find_device: the first device of the class whose directory is at ESI ("device/vbd"):
; xb_front names it. EAX = its number (the name is the device's number), or -1 when the class
; has none. Clobbers ECX, EDX, ESI, EDI.
xenbus_find_device:
  mov eax, XS_DIRECTORY
  call xs_path_op
  test eax, eax
  jnz .none
  cmp byte [xs_reply], 0
  je .none
  mov edi, xb_front             ; xb_front = class "/" first name
  call xb_copy
  mov byte [edi - 1], '/'
  mov esi, xs_reply
  call xb_copy
  mov esi, xs_reply             ; the name is the device's number
  xor eax, eax
.digit:
  movzx edx, byte [esi]
  sub edx, '0'
  cmp edx, 9
  ja .done
  imul eax, eax, 10
  add eax, edx
  inc esi
  jmp .digit
.none:
  mov eax, -1
.done:
  ret

; xb_copy: copies the NUL-terminated string at ESI to EDI, NUL included; EDI ends past the NUL.
; Clobbers EAX, ESI.
xb_copy:
  lodsb
  stosb
  test al, al
  jnz xb_copy
  ret

; xb_front_key / xb_back_key: ESI = the path of key ESI under the front end's (back end's)
; directory, in xb_path. Preserves every register but ESI.
xb_front_key:
  push eax
  push edi
  push esi
  mov esi, xb_front
  jmp xb_key
xb_back_key:
  push eax
  push edi
  push esi
  mov esi, xb_back
xb_key:
  mov edi, xb_path
  call xb_copy
  mov byte [edi - 1], '/'
  pop esi
  call xb_copy
  mov esi, xb_path
  pop edi
  pop eax
  ret

; xenbus_read_backend: reads the front end's `backend` into xb_back and `backend-id` into
; xb_backend_id. EAX = 0, or -1 when either is missing. Clobbers ECX, EDX, ESI, EDI.
xenbus_read_backend:
  mov esi, key_backend
  call xb_front_key
  call xs_read
  test eax, eax
  jnz .missing
  mov esi, xs_reply
  mov edi, xb_back
  call xb_copy
  mov esi, key_backend_id
  call xb_front_key
  call xs_read_number
  mov [xb_backend_id], eax
  cmp eax, -1
  je .missing
  xor eax, eax
  ret
.missing:
  mov eax, -1
  ret

; xenbus_switch_state: writes state EAX to the front end's `state`. EAX = 0, or XS_ERROR.
; Clobbers ECX, EDX, ESI.
xenbus_switch_state:
  mov esi, key_state
; xenbus_write_number: writes EAX in decimal to key ESI of the front end's directory (a ring's
; grant, a port, a feature the back end reads). EAX = 0, or XS_ERROR. Clobbers ECX, EDX, ESI.
xenbus_write_number:
  call xb_front_key
  jmp xs_write_number

; xenbus_wait_backend_state: waits until the back end's `state` is at least EAX, on a watch of
; it: each round reads the state and, when it is not there yet, waits for the next event (an
; event that came while the read was on its way came before its reply, so the read saw its
; change). EAX = the state reached. Clobbers ECX, EDX, ESI, EDI.
xenbus_wait_backend_state:
  push ebx
  mov ebx, eax
  mov esi, key_state
  call xb_back_key
  mov edi, token_backend
  call xs_watch
.check:
  mov esi, key_state
  call xb_back_key
  call xs_read_number
  cmp eax, ebx
  jge .done
  call xs_wait_event
  jmp .check
.done:
  pop ebx
  ret

section .data
key_backend:    db "backend", 0
key_backend_id: db "backend-id", 0
key_state:      db "state", 0
token_backend:  db "backend-state", 0

section .bss
xb_front:      resb XB_PATH_MAX
xb_back:       resb XB_PATH_MAX
xb_path:       resb 2 * XB_PATH_MAX
xb_backend_id: resd 1
