bits 32
%macro if_zero 0
  %push ifz
  jnz %$skip
%endmacro
%macro endif 0
  %ifctx ifz
%$skip:
  %pop
  %else
  %error "endif without if_zero"
  %endif
%endmacro
  test eax, eax
  if_zero
    inc ebx
    if_zero
      dec ecx
    endif
  endif
  db __LINE__, __?LINE?__
%push outer
%define %$val 7
  db %$val
%push inner
  db %$$val
%pop
%pop
; Macros: ranges with defaults, greedy parameters, %0, %rotate, %% labels, %+ pasting.
%macro pushall 1-*
%rep %0
  push %1
%rotate 1
%endrep
%endmacro
%macro popall 1-*
%rep %0
%rotate -1
  pop %1
%endrep
%endmacro
%macro emitn 1-3 0x11, 0x22
  db %1, %2, %3
%endmacro
%macro loopy 1+
%%top:
  %1
  loop %%top
%endmacro
%define reg(n) e %+ n %+ x
  pushall eax, ebx, ecx
  popall eax, ebx, ecx
  emitn 1
  emitn 1, 2
  emitn 1, 2, 3
  loopy inc eax
  loopy add eax, 1
  mov reg(a), reg(b)
%assign i 0
%rep 4
  db i * i
%assign i i + 1
%endrep
%if i > 3 && i < 5
  db 'ok'
%elif i == 5
  db 'no'
%endif
%ifidni __LINE__, x
%else
  dw __LINE__
%endif
