; Your working copy for chapter 10, generated from solutions/guests/xsname.asm by npx xenlab stage.
; xsname: the guest asks XenStore who it is — its name and domid under its home
; /local/domain/N, by relative paths, over its ring: book §8.4.2.

%include "lib/head.asm"
%include "lib/xenstore.asm"

section .text
main:
  call xs_init
  mov esi, path_name
  mov edi, says_name
  call show
  mov esi, path_domid
  mov edi, says_domid
  call show
  ret

; show: reads the node at ESI and prints EDI, then its value (or the error xenstored sent).
show:
  call xs_read
  push eax
  mov esi, edi
  call print
  pop eax
  test eax, eax
  jz .value
  mov esi, says_error
  call print
.value:
  mov esi, xs_reply
  call print
  mov esi, newline
  call print
  ret

section .data
path_name:  db "name", 0
path_domid: db "domid", 0
says_name:  db "xenstore: my name is ", 0
says_domid: db "xenstore: my domid is ", 0
says_error: db "error ", 0
newline:    db 13, 10, 0
