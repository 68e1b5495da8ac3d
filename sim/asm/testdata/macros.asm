bits 32
%macro push 2+
  push %1
  push %2
%endmacro
%macro regop 2
  mov e%1x, e%2x
  mov %{1}l, %{2}h
%endmacro
%macro opt 1-2
%if %0 > 1
  db %1, %2
%else
  db %1
%endif
%endmacro
%macro outer 1
  inner %1, %1
%endmacro
%macro inner 2
  db %1 + %2
%endmacro
start: regop a, b
  push eax, ebx
  push ecx
  opt 1
  opt 1, 2
  outer 3
lbl: opt 9
  jmp lbl
%define CAT(a, b) a %+ b
  mov CAT(e, ax), 1
