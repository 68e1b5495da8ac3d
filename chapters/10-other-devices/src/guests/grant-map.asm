; Your working copy for chapter 10, generated from solutions/guests/grant-map.asm by npx xenlab stage.
; grant-map: maps a page another domain granted it, reads the message there, answers in the
; same page and, once the granter has read the answer, unmaps it. Which grant: `dom=` and
; `ref=` on its command line (passed out of band by the toolstack; chapter 08's XenStore is
; the usual way): book §4.4.

%include "lib/head.asm"

REPLY         equ 2048                         ; where in the page the answer goes
REPLIED       equ 4088                         ; set once the whole answer is there
ACK           equ 4092                         ; the granter sets it when it has read it

section .text
main:
  mov esi, dom_key
  call cmdline_number
  mov [granter], eax
  mov esi, ref_key
  call cmdline_number
  mov [ref], eax
  or eax, [granter]
  cmp eax, -1
  je .no_grant
  mov esi, mapping
  call print
  mov eax, [ref]
  call print_dec
  mov esi, of_domain
  call print
  mov eax, [granter]
  call print_dec
  mov esi, crlf
  call print

  call map_grant
  movsx eax, word [map_op + MAP_status]
  test eax, eax
  jnz .failed
  mov esi, it_says
  call print
  mov esi, window
  call print
  mov esi, crlf
  call print

  ; Answer in the shared page, then say it is whole; once the granter has read it, give the
  ; mapping back.
  mov esi, answer
  mov edi, window + REPLY
.copy:
  lodsb
  stosb
  test al, al
  jnz .copy
  mov dword [window + REPLIED], 1
.wait_ack:
  cmp dword [window + ACK], 0
  jne .acked
  call yield
  jmp .wait_ack
.acked:
  mov eax, [map_op + MAP_handle]
  mov [unmap_op + UNMAP_handle], eax
  mov dword [unmap_op + UNMAP_host_addr], window
  mov ebx, GNTTABOP_unmap_grant_ref
  mov ecx, unmap_op
  mov edx, 1
  HYPERCALL __HYPERVISOR_grant_table_op
  mov esi, unmapped
  call print
  movsx eax, word [unmap_op + UNMAP_status]
  jmp print_status

.no_grant:
  mov esi, usage
  jmp print

.failed:
  push eax
  mov esi, map_failed
  call print
  pop eax
  jmp print_status

; map_grant: GNTTABOP_map_grant_ref of [ref] from domain [granter] at `window`, host_map,
; read-write. The status and handle come back in map_op.
map_grant:
  mov dword [map_op + MAP_host_addr], window
  mov dword [map_op + MAP_flags], GNTMAP_host_map
  mov eax, [ref]
  mov [map_op + MAP_ref], eax
  mov eax, [granter]
  mov [map_op + MAP_dom], ax
  mov ebx, GNTTABOP_map_grant_ref
  mov ecx, map_op
  mov edx, 1
  HYPERCALL __HYPERVISOR_grant_table_op
  ret

; print_status: prints the GNTST_* code in EAX (0 or negative) and a new line.
print_status:
  push eax
  mov esi, status_is
  call print
  pop eax
  test eax, eax
  jns .positive
  push eax
  mov esi, minus
  call print
  pop eax
  neg eax
.positive:
  call print_dec
  mov esi, crlf
  call print
  ret

section .data
dom_key:    db "dom=", 0
ref_key:    db "ref=", 0
mapping:    db "mapping ref ", 0
of_domain:  db " of domain ", 0
it_says:    db "it says: ", 0
answer:     db "Hello back from the mapping domain!", 0
unmapped:   db "unmapped, ", 0
map_failed: db "map_grant_ref failed, ", 0
status_is:  db "status ", 0
minus:      db "-", 0
crlf:       db 13, 10, 0
usage:      db "no grant: boot with dom=DOMID ref=REF on the command line", 13, 10, 0

section .bss
granter:  resd 1
ref:      resd 1
map_op:   resb MAP_size
unmap_op: resb UNMAP_size
alignb 4096
window:   resb 4096

%include "lib/gnttab.asm"
