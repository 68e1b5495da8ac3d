; Your working copy for chapter 10, generated from solutions/guests/grant-share.asm by npx xenlab stage.
; grant-share: the granting half of sharing memory between two VMs. It grants one of its pages
; to the domain named by `peer=` on its command line, writes a message there, waits for the
; peer's reply in the same page, shows that the grant cannot end while the page is mapped,
; tells the peer so, and ends the grant once the peer has unmapped it: book §4.5.

%include "lib/head.asm"

GRANT_REF     equ GNTTAB_NR_RESERVED_ENTRIES   ; the first ref a guest may use
REPLY         equ 2048                         ; where in the page the peer answers
REPLIED       equ 4088                         ; the peer sets it once its answer is whole
ACK           equ 4092                         ; set when we have read the reply

section .text
main:
  ; How big is our grant table? (The toolstack has set it up and mapped it for us.)
  mov dword [query + QUERY_dom], DOMID_SELF
  mov ebx, GNTTABOP_query_size
  mov ecx, query
  mov edx, 1
  HYPERCALL __HYPERVISOR_grant_table_op
  mov esi, table_is
  call print
  mov eax, [query + QUERY_nr_frames]
  call print_dec
  mov esi, frames_of
  call print
  mov eax, [query + QUERY_max_nr_frames]
  call print_dec
  mov esi, frames_end
  call print

  ; The message, then the grant of its page to the peer (read-write: the peer answers in it).
  mov esi, message
  mov edi, shared_page
.copy:
  lodsb
  stosb
  test al, al
  jnz .copy
  mov esi, peer_key
  call cmdline_number
  cmp eax, -1
  je .no_peer
  mov [peer], eax
  mov eax, shared_page
  call virt_to_mfn
  mov edx, eax
  mov ebx, GRANT_REF
  mov ecx, [peer]
  xor esi, esi
  call gnttab_grant_access
  mov esi, granted
  call print
  mov eax, GRANT_REF
  call print_dec
  mov esi, to_domain
  call print
  mov eax, [peer]
  call print_dec
  mov esi, crlf
  call print

  ; Wait for the reply, giving the CPU away while it is not there. The peer writes it a byte at
  ; a time and may be descheduled halfway: only its REPLIED flag, stored after the last byte
  ; (x86 keeps stores in order), says the whole answer is there.
.wait_reply:
  cmp dword [shared_page + REPLIED], 0
  jne .replied
  call yield
  jmp .wait_reply
.replied:
  mov esi, reply_is
  call print
  mov esi, shared_page + REPLY
  call print
  mov esi, crlf
  call print

  ; Ending the grant now must fail if the peer still has the page mapped.
  mov ebx, GRANT_REF
  call gnttab_end_access
  test eax, eax
  jnz .ended
  mov esi, still_mapped
  call print
  mov dword [shared_page + ACK], 1              ; now the peer may unmap
.wait_unmap:
  call yield
  mov ebx, GRANT_REF
  call gnttab_end_access
  test eax, eax
  jz .wait_unmap
.ended:
  mov esi, ended
  call print
  ret
.no_peer:
  mov esi, usage
  call print
  ret

section .data
table_is:     db "grant table: ", 0
frames_of:    db " frames of at most ", 0
frames_end:   db 13, 10, 0
message:      db "Hello through a granted page!", 0
peer_key:     db "peer=", 0
granted:      db "granted ref ", 0
to_domain:    db " to domain ", 0
reply_is:     db "reply: ", 0
still_mapped: db "end_access refused: the page is still mapped", 13, 10, 0
ended:        db "grant ended", 13, 10, 0
crlf:         db 13, 10, 0
usage:        db "no peer: boot with peer=DOMID on the command line", 13, 10, 0

section .bss
peer:  resd 1
query: resb QUERY_size
alignb 4096
shared_page: resb 4096

%include "lib/gnttab.asm"
