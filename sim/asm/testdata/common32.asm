bits 32
org 0x100000
start:
  mov eax, 1
  mov al, 0x12
  mov ax, 0x1234
  mov [ebx+ecx*4+8], eax
  mov byte [esi], 5
  mov word [edi+100], 5
  mov dword [ebp-4], 0x12345678
  mov eax, [0x1000]
  mov [0x1000], al
  mov ecx, [esp+8]
  mov edx, [ebp]
  lea eax, [eax+eax*4]
  lea esi, [ebx+edi*8-200]
  add eax, ebx
  add eax, 1000
  add al, 3
  sub esp, 16
  and ecx, 0xff
  or dword [ebx], 0x80000000
  xor eax, eax
  cmp eax, -1
  test al, 1
  test dword [ebx], 4
  push eax
  push 0x12345
  push -2
  pop ebp
  push es
  pop ds
  push fs
  call func
  jmp .l1
.l1:
  jz .l1
  jne near .l1
  jmp short .l1
  int 0x80
  int3
  ret
  ret 8
func:
  inc eax
  dec byte [ebx]
  inc word [ebx]
  shl eax, 1
  shr ebx, 4
  sar ecx, cl
  rol byte [eax], 3
  rep movsd
  rep stosb
  repne scasb
  in al, dx
  out 0x80, al
  in eax, 0x60
  out dx, ax
  hlt
  cli
  sti
  nop
  movzx eax, byte [ebx]
  movzx ecx, ax
  movsx edx, bl
  movsx eax, word [esi]
  imul eax, ebx
  imul eax, [ebx], 10
  imul ecx, edx, 1000
  imul eax, 5
  mul ebx
  div dword [ecx]
  neg eax
  not byte [edx]
  xchg eax, ecx
  xchg [ebx], dl
  cdq
  cwde
  cbw
  pushad
  popad
  pushfd
  popfd
  iretd
  leave
  enter 16, 0
  mov cr0, eax
  mov eax, cr3
  mov dr7, ebx
  lgdt [gdtr]
  lidt [eax]
  ltr ax
  lldt [ebx]
  invlpg [eax+0x1000]
  jmp 0x08:start
  call 0x10:func
  jmp far [ebx]
  call far [gdtr]
  wrmsr
  rdmsr
  rdtsc
  cpuid
  bt eax, 3
  bts [ebx], eax
  bsf eax, ecx
  setz al
  setnz byte [ebx]
  cmovz eax, ebx
  cmpxchg [ebx], ecx
  lock xadd [ebx], eax
  lock cmpxchg8b [esi]
  bswap edx
  shld eax, ebx, 4
  shrd eax, ebx, cl
  loop gdtr
  jecxz gdtr
  mov ax, es
  mov es, ax
  mov [ebx], ss
  mov fs, [ebx]
  les eax, [ebx]
  lss esp, [ebx]
  clts
  wbinvd
  mov eax, [fs:0]
  mov eax, [gs:ebx+4]
  mov al, [es:edi]
gdtr: dw 0x17
  dd 0
