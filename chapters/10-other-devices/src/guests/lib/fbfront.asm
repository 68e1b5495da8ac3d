; Your working copy for chapter 10, generated from solutions/guests/lib/fbfront.asm by npx xenlab stage.
; Framebuffer and keyboard front ends in a guest kernel: a framebuffer shared by machine frames
; through a page directory, update events for what was drawn, and key and pointer events read
; off the keyboard's ring: book §10.2; Xen public/io/fbif.h and kbdif.h, Linux
; drivers/video/fbdev/xen-fbfront.c and drivers/input/misc/xen-kbdfront.c.
;
; One framebuffer of FB_WIDTH × FB_HEIGHT pixels, 32 bits each (0x00RRGGBB), and one keyboard
; per kernel. The framebuffer's shared page names frames (page-ref, pd[]); the keyboard's page
; is granted (page-gref KBD_GREF). lib/xenbus.asm serves one device at a time, so the two
; connect one after the other. Needs lib/evtchn.asm (evtchn_init done), lib/gnttab.asm (the
; grant table mapped), lib/barrier.asm, lib/xenstore.asm and lib/xenbus.asm.

FB_WIDTH        equ 64
FB_HEIGHT       equ 48
FB_LINE         equ FB_WIDTH * 4
FB_PAGES        equ (FB_LINE * FB_HEIGHT + 4095) / 4096
KBD_GREF        equ GNTTAB_NR_RESERVED_ENTRIES + 2

; struct xenfb_page (x86_32), struct xenfb_update, the out ring.
XENFB_in_cons       equ 0
XENFB_in_prod       equ 4
XENFB_out_cons      equ 8
XENFB_out_prod      equ 12
XENFB_width         equ 16
XENFB_height        equ 20
XENFB_line_length   equ 24
XENFB_mem_length    equ 28
XENFB_depth         equ 32
XENFB_pd            equ 36
XENFB_TYPE_UPDATE   equ 2
XENFB_UPDATE_x      equ 4
XENFB_UPDATE_y      equ 8
XENFB_UPDATE_width  equ 12
XENFB_UPDATE_height equ 16
XENFB_EVENT_SIZE    equ 40
XENFB_OUT_RING_OFFS equ 2048
XENFB_OUT_RING_LEN  equ 2048 / 40

; struct xenkbd_page, the in ring, the events read.
XENKBD_in_cons      equ 0
XENKBD_in_prod      equ 4
XENKBD_IN_RING_OFFS equ 1024
XENKBD_IN_RING_LEN  equ 2048 / 40
XENKBD_EVENT_SIZE   equ 40
XENKBD_TYPE_MOTION  equ 1
XENKBD_TYPE_KEY     equ 3
XENKBD_TYPE_POS     equ 4

section .text

; fbfront_connect: finds vfb 0 and connects: geometry and page directory in the shared page,
; a port for the back end, page-ref, event-channel, protocol and feature-update; Initialised;
; once the back end is Connected, whether it wants updates (request-update). EAX = 0, or -1
; (the reason printed).
fbfront_connect:
  pushad
  mov esi, class_vfb
  call xenbus_find_device
  cmp eax, -1
  je .no_device
  call xenbus_read_backend
  test eax, eax
  jnz .no_device
  mov dword [fb_page + XENFB_width], FB_WIDTH
  mov dword [fb_page + XENFB_height], FB_HEIGHT
  mov dword [fb_page + XENFB_line_length], FB_LINE
  mov dword [fb_page + XENFB_mem_length], FB_PAGES * 4096
  mov byte [fb_page + XENFB_depth], 32
  mov eax, fb_pd                ; pd[0]: the one directory page ...
  call virt_to_mfn
  mov [fb_page + XENFB_pd], eax
  xor ecx, ecx
.directory:                     ; ... which lists the framebuffer's frames
  mov eax, ecx
  shl eax, 12
  add eax, fb_mem
  call virt_to_mfn
  mov [fb_pd + ecx * 4], eax
  inc ecx
  cmp ecx, FB_PAGES
  jb .directory
  mov eax, [xb_backend_id]
  call evtchn_alloc_unbound
  test eax, eax
  js .failed
  mov [fb_port], eax
  mov dword [evtchn_handlers + eax * 4], front_interrupt
  mov eax, fb_page
  call virt_to_mfn
  mov esi, key_page_ref
  call xenbus_write_number
  test eax, eax
  jnz .failed
  mov eax, [fb_port]
  mov esi, key_event_channel
  call xenbus_write_number
  test eax, eax
  jnz .failed
  mov esi, key_protocol
  call xb_front_key
  mov edi, protocol_x86_32
  call xs_write
  test eax, eax
  jnz .failed
  mov eax, 1
  mov esi, key_feature_update
  call xenbus_write_number
  test eax, eax
  jnz .failed
  call front_handshake
  test eax, eax
  jnz .failed
  mov esi, key_request_update
  call xb_back_key
  call xs_read_number
  mov [fb_update_wanted], eax
  popad
  xor eax, eax
  ret
.no_device:
  mov esi, says_no_vfb
  call print
  popad
  mov eax, -1
  ret
.failed:
  mov esi, says_fb_failed
  call print
  popad
  mov eax, -1
  ret

; front_handshake: Initialised, the back end's Connected awaited, then Connected. EAX = 0 or -1.
front_handshake:
  mov eax, XenbusStateInitialised
  call xenbus_switch_state
  test eax, eax
  jnz .failed
  mov eax, XenbusStateConnected
  call xenbus_wait_backend_state
  cmp eax, XenbusStateConnected
  jne .failed
  mov eax, XenbusStateConnected
  call xenbus_switch_state
  test eax, eax
  jnz .failed
  ret
.failed:
  mov eax, -1
  ret

; front_interrupt: both ports' handler. The waiting code looks at the rings itself.
front_interrupt:
  inc dword [front_interrupts]
  ret

; fb_fill: fills rectangle EAX = x, EBX = y, ECX = width, EDX = height with colour ESI. The
; rectangle must lie inside the framebuffer. Preserves every register.
fb_fill:
  pushad
  imul ebx, FB_LINE
  lea edi, [fb_mem + ebx + eax * 4]
.row:
  push ecx
  push edi
  mov eax, esi
  rep stosd
  pop edi
  pop ecx
  add edi, FB_LINE
  dec edx
  jnz .row
  popad
  ret

; fb_text: draws the NUL-terminated string at ESI at EAX = x, EBX = y in colour EDX, one 5×7
; glyph per character every 6 pixels (characters without a glyph are blank). Preserves every
; register.
fb_text:
  pushad
.char:
  movzx ecx, byte [esi]
  test ecx, ecx
  jz .out
  call fb_glyph
  inc esi
  add eax, 6
  jmp .char
.out:
  popad
  ret

; fb_glyph: draws character ECX at EAX = x, EBX = y in colour EDX. Preserves every register.
fb_glyph:
  pushad
  mov edi, font
.find:
  cmp byte [edi], 0
  je .out                       ; no glyph: nothing drawn
  cmp [edi], cl
  je .found
  add edi, 8
  jmp .find
.found:
  inc edi                       ; seven rows, bit 4 the leftmost pixel
  mov ecx, 7
.row:
  push ecx
  movzx ebp, byte [edi]
  mov ecx, 5
  push eax
.pixel:
  test ebp, 0x10
  jz .next
  push ebx
  push eax
  imul ebx, FB_LINE
  mov [fb_mem + ebx + eax * 4], edx
  pop eax
  pop ebx
.next:
  shl ebp, 1
  inc eax
  dec ecx
  jnz .pixel
  pop eax
  inc ebx
  inc edi
  pop ecx
  dec ecx
  jnz .row
.out:
  popad
  ret

; fb_update: tells the back end rectangle EAX = x, EBX = y, ECX = width, EDX = height changed
; (when it asked for updates): an XENFB_TYPE_UPDATE at out_prod, waiting for room first, then
; out_prod, then a notification. Preserves every register.
fb_update:
  pushad
  cmp dword [fb_update_wanted], 1
  jne .out
  mov ebp, eax
.room:
  mov byte [shared_info + VCPU_INFO_evtchn_upcall_mask], 1
  mov eax, [fb_page + XENFB_out_prod]
  sub eax, [fb_page + XENFB_out_cons]
  cmp eax, XENFB_OUT_RING_LEN
  jb .put
  call block
  jmp .room
.put:
  mov byte [shared_info + VCPU_INFO_evtchn_upcall_mask], 0
  push edx
  mov eax, [fb_page + XENFB_out_prod]
  xor edx, edx
  mov edi, XENFB_OUT_RING_LEN
  div edi
  imul edi, edx, XENFB_EVENT_SIZE
  pop edx
  add edi, fb_page + XENFB_OUT_RING_OFFS
  mov byte [edi], XENFB_TYPE_UPDATE
  mov [edi + XENFB_UPDATE_x], ebp
  mov [edi + XENFB_UPDATE_y], ebx
  mov [edi + XENFB_UPDATE_width], ecx
  mov [edi + XENFB_UPDATE_height], edx
  XEN_WMB                       ; the event before the index that publishes it
  inc dword [fb_page + XENFB_out_prod]
  mov eax, [fb_port]
  call evtchn_send
.out:
  popad
  ret

; kbdfront_connect: finds vkbd 0 and connects: its page granted, a port, page-gref,
; event-channel and request-abs-pointer; Initialised; the back end's Connected awaited. EAX = 0,
; or -1 (the reason printed).
kbdfront_connect:
  pushad
  mov esi, class_vkbd
  call xenbus_find_device
  cmp eax, -1
  je .no_device
  call xenbus_read_backend
  test eax, eax
  jnz .no_device
  mov eax, kbd_page
  call virt_to_mfn
  mov edx, eax
  mov ebx, KBD_GREF
  mov ecx, [xb_backend_id]
  xor esi, esi
  call gnttab_grant_access
  mov eax, [xb_backend_id]
  call evtchn_alloc_unbound
  test eax, eax
  js .failed
  mov [kbd_port], eax
  mov dword [evtchn_handlers + eax * 4], front_interrupt
  mov eax, KBD_GREF
  mov esi, key_page_gref
  call xenbus_write_number
  test eax, eax
  jnz .failed
  mov eax, [kbd_port]
  mov esi, key_event_channel
  call xenbus_write_number
  test eax, eax
  jnz .failed
  mov eax, 1
  mov esi, key_request_abs
  call xenbus_write_number
  test eax, eax
  jnz .failed
  call front_handshake
  test eax, eax
  jnz .failed
  popad
  xor eax, eax
  ret
.no_device:
  mov esi, says_no_vkbd
  call print
  popad
  mov eax, -1
  ret
.failed:
  mov esi, says_kbd_failed
  call print
  popad
  mov eax, -1
  ret

; kbd_next: waits for the next input event and copies it (40 bytes) to kbd_event; in_cons moves
; past it and the back end is notified (it may have events waiting for room). Preserves every
; register.
kbd_next:
  pushad
.wait:
  mov byte [shared_info + VCPU_INFO_evtchn_upcall_mask], 1
  mov eax, [kbd_page + XENKBD_in_cons]
  cmp eax, [kbd_page + XENKBD_in_prod]
  jne .take
  call block
  jmp .wait
.take:
  mov byte [shared_info + VCPU_INFO_evtchn_upcall_mask], 0
  XEN_RMB                       ; the index before the event it publishes
  xor edx, edx
  mov ecx, XENKBD_IN_RING_LEN
  div ecx
  imul esi, edx, XENKBD_EVENT_SIZE
  add esi, kbd_page + XENKBD_IN_RING_OFFS
  mov edi, kbd_event
  mov ecx, XENKBD_EVENT_SIZE / 4
  rep movsd
  XEN_MB                        ; the event read before its slot is given back
  inc dword [kbd_page + XENKBD_in_cons]
  mov eax, [kbd_port]
  call evtchn_send
  popad
  ret

section .data
class_vfb:          db "device/vfb", 0
class_vkbd:         db "device/vkbd", 0
key_page_ref:       db "page-ref", 0
key_page_gref:      db "page-gref", 0
key_feature_update: db "feature-update", 0
key_request_update: db "request-update", 0
key_request_abs:    db "request-abs-pointer", 0
key_event_channel:  db "event-channel", 0
key_protocol:       db "protocol", 0
protocol_x86_32:    db "x86_32-abi", 0
says_no_vfb:        db "fbfront: no vfb in XenStore", 13, 10, 0
says_fb_failed:     db "fbfront: the back end did not connect", 13, 10, 0
says_no_vkbd:       db "kbdfront: no vkbd in XenStore", 13, 10, 0
says_kbd_failed:    db "kbdfront: the back end did not connect", 13, 10, 0
; 5×7 glyphs: the character, then seven rows (bit 4 leftmost); a 0 ends the table.
font:
  db 'X', 0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11
  db 'E', 0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f
  db 'N', 0x11, 0x19, 0x15, 0x13, 0x11, 0x11, 0x11
  db '0', 0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e
  db '1', 0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e
  db 0

section .bss
alignb 4096
fb_page:          resb 4096
fb_pd:            resb 4096
fb_mem:           resb FB_PAGES * 4096
kbd_page:         resb 4096
kbd_event:        resb XENKBD_EVENT_SIZE
fb_port:          resd 1
fb_update_wanted: resd 1
kbd_port:         resd 1
front_interrupts: resd 1
