; Your working copy for chapter 10, generated from solutions/guests/lib/gnttab.asm by npx xenlab stage.
; The granting side of grant tables, as a guest does it: where the table is, granting a page,
; ending a grant, and the numbers a guest needs around them: book §4.1, §4.3; Mini-OS
; gnttab.c (gnttab_grant_access, gnttab_end_access), docs/xen-abi.md §6.3.
;
; The table's frames are mapped from the first page after the boot stack:
; start_info.pt_base + (nr_pt_frames + 1) pages. (A guest maps them itself with
; update_va_mapping in chapter 05; in chapter 04 the toolstack maps them before it boots.)

section .text

; gnttab_table: EAX = the virtual address of grant entry 0.
gnttab_table:
  push ebx
  mov ebx, [start_info]
  mov eax, [ebx + START_INFO_nr_pt_frames]
  inc eax
  shl eax, 12
  add eax, [ebx + START_INFO_pt_base]
  pop ebx
  ret

; virt_to_mfn: EAX = the machine frame behind virtual address EAX (VIRT_BASE is 0, so the
; pseudo-physical frame is EAX >> 12; the P2M list at start_info.mfn_list gives the MFN).
virt_to_mfn:
  push ebx
  shr eax, 12
  mov ebx, [start_info]
  mov ebx, [ebx + START_INFO_mfn_list]
  mov eax, [ebx + eax * 4]
  pop ebx
  ret

; gnttab_grant_access: grants domain ECX access to frame EDX through entry EBX, read-only if
; ESI is not 0. The order matters: domid and frame first, flags last, because the entry is
; live for Xen the moment its type says permit_access. Preserves every register but EAX.
gnttab_grant_access:
  call gnttab_table
  lea eax, [eax + ebx * GRANT_ENTRY_size]
  mov [eax + GRANT_ENTRY_domid], cx
  mov [eax + GRANT_ENTRY_frame], edx
  push ecx
  mov ecx, GTF_permit_access
  test esi, esi
  jz .flags
  or ecx, GTF_readonly
.flags:
  mov [eax + GRANT_ENTRY_flags], cx
  pop ecx
  ret

; gnttab_end_access: ends grant EBX if nobody uses it. EAX = 1 when the entry is now invalid,
; 0 when Xen shows it mapped or copied (GTF_reading / GTF_writing) and it must stay. The flags
; change with a compare-and-swap, so a mapping Xen sets up meanwhile is never lost.
gnttab_end_access:
  push ecx
  push edx
  call gnttab_table
  lea edx, [eax + ebx * GRANT_ENTRY_size]
.retry:
  mov ax, [edx + GRANT_ENTRY_flags]
  test ax, GTF_reading | GTF_writing
  jnz .in_use
  xor ecx, ecx
  lock cmpxchg [edx + GRANT_ENTRY_flags], cx
  jne .retry
  mov eax, 1
  jmp .done
.in_use:
  xor eax, eax
.done:
  pop edx
  pop ecx
  ret

; cmdline_number: EAX = the decimal number after the key at ESI (e.g. "peer=") on the command
; line, or -1 when the key is absent. Preserves every register but EAX.
cmdline_number:
  push ebx
  push ecx
  push edx
  push edi
  mov edi, [start_info]
  add edi, START_INFO_cmd_line
.candidate:
  xor ecx, ecx
.compare:
  mov al, [esi + ecx]
  test al, al
  jz .found
  cmp al, [edi + ecx]
  jne .next
  inc ecx
  jmp .compare
.next:
  cmp byte [edi], 0
  je .absent
  inc edi
  jmp .candidate
.found:
  add edi, ecx
  xor eax, eax
.digit:
  movzx edx, byte [edi]
  sub edx, '0'
  cmp edx, 9
  ja .end
  imul eax, eax, 10
  add eax, edx
  inc edi
  jmp .digit
.absent:
  mov eax, -1
.end:
  pop edi
  pop edx
  pop ecx
  pop ebx
  ret

; yield: gives the CPU to another domain (sched_op(SCHEDOP_yield)). Preserves every register
; but EAX.
yield:
  push ebx
  push ecx
  mov ebx, SCHEDOP_yield
  xor ecx, ecx
  HYPERCALL __HYPERVISOR_sched_op
  pop ecx
  pop ebx
  ret
