; Paging test kernel: 32-bit paging (A/D bits, #PF error codes and CR2, CR0.WP, INVLPG, user
; and supervisor pages from ring 3, 4 MiB pages with CR4.PSE), then PAE paging with 2 MiB pages,
; NX (EFER.NXE) and reserved-bit faults. POST codes: 01–03 prologue, 10–19 the steps, FF done.

%include "common.inc"

PD       equ 0x20000
PT0      equ 0x21000
PDPT     equ 0x22000
PAE_PD   equ 0x23000
PAE_PT   equ 0x24000
%define PTE(va) (PT0 + ((va) >> 12) * 4)

kernel_main:
  post 0x10
  ; Identity-map 0–4 MiB with user, writable 4 KiB pages.
  mov edi, PT0
  mov eax, 0x007
  mov ecx, 1024
.fill:
  stosd
  add eax, 0x1000
  loop .fill
  mov dword [PD], PT0 | 7
  mov eax, PD
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  post 0x11

  ; Accessed on read, dirty on write.
  and dword [PTE(0x300000)], ~0x60
  invlpg [0x300000]
  mov eax, [0x300000]
  test dword [PTE(0x300000)], 0x20
  jz fail
  test dword [PTE(0x300000)], 0x40
  jnz fail
  mov [0x300000], eax
  test dword [PTE(0x300000)], 0x40
  jz fail
  post 0x12

  ; Not-present faults: error code 0 (read) and 2 (write), CR2 = the address.
  mov dword [PTE(0x301000)], 0
  invlpg [0x301000]
  expect 14, 0, .pf_read
  mov eax, [0x301010]
  jmp fail
.pf_read:
  mov eax, cr2
  cmp eax, 0x301010
  jne fail
  expect 14, 2, .pf_write
  mov dword [0x301ffe], 1        ; the first byte is already on the missing page
  jmp fail
.pf_write:
  mov eax, cr2
  cmp eax, 0x301ffe
  jne fail
  post 0x13

  ; CR0.WP: a read-only page is writable by the supervisor only while WP is clear.
  mov dword [PTE(0x302000)], 0x302000 | 5
  invlpg [0x302000]
  mov dword [0x302000], 0xaa
  mov eax, cr0
  or eax, 0x10000
  mov cr0, eax
  expect 14, 3, .wp
  mov dword [0x302000], 0xbb
  jmp fail
.wp:
  cmp dword [0x302000], 0xaa
  jne fail
  post 0x14

  ; INVLPG makes a changed PTE visible.
  mov dword [0x303000], 0x11
  mov dword [0x304000], 0x22
  cmp dword [0x303000], 0x11
  jne fail
  mov dword [PTE(0x303000)], 0x304000 | 7
  invlpg [0x303000]
  cmp dword [0x303000], 0x22
  jne fail
  post 0x15

  ; Ring 3 against a supervisor page: error codes 5 (read) and 7 (write).
  mov dword [PTE(0x305000)], 0x305000 | 3
  invlpg [0x305000]
  mov dword [gate_continue], .back
  to_ring3 .ring3
.ring3:
  mov ax, DATA3
  mov ds, ax
  mov es, ax
  expect 14, 5, .user_read
  mov eax, [0x305000]
  jmp fail
.user_read:
  expect 14, 7, .user_write
  mov dword [0x305000], 1
  jmp fail
.user_write:
  call CALLGATE:0
  jmp fail
.back:
  post 0x16

  ; 4 MiB page: linear 4–8 MiB onto physical 0–4 MiB; A set in the PDE.
  mov eax, cr4
  or eax, 0x10
  mov cr4, eax
  mov dword [PD + 4], 0x000083
  mov dword [0x6000], 0x12345678
  cmp dword [0x406000], 0x12345678
  jne fail
  test dword [PD + 4], 0x20
  jz fail
  post 0x17

  ; PAE: PDPT → PD → PT for 0–2 MiB, 2 MiB pages for 2–4 MiB and (aliased) 4–6 MiB.
  mov eax, cr0
  and eax, 0x7fffffff
  mov cr0, eax
  mov edi, PAE_PT
  mov eax, 0x007
  mov ecx, 512
.fill_pae:
  mov [edi], eax
  mov dword [edi + 4], 0
  add edi, 8
  add eax, 0x1000
  loop .fill_pae
  mov dword [PDPT], PAE_PD | 1
  mov dword [PAE_PD], PAE_PT | 7
  mov dword [PAE_PD + 8], 0x200000 | 0x87
  mov dword [PAE_PD + 16], 0x200000 | 0x87
  mov ecx, 0xc0000080            ; EFER.NXE
  rdmsr
  or eax, 0x800
  wrmsr
  mov eax, cr4
  or eax, 0x20
  mov cr4, eax
  mov eax, PDPT
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  post 0x18
  mov dword [0x300000], 0xcafe
  cmp dword [0x500000], 0xcafe
  jne fail

  ; NX: fetching from a no-execute page is #PF with I/D (0x11); the CALL itself completed.
  mov byte [0x1ff000], 0xc3
  or dword [PAE_PT + 511 * 8 + 4], 0x80000000
  invlpg [0x1ff000]
  expect 14, 0x11, .nx
  mov eax, 0x1ff000
  call eax
  jmp fail
.nx:
  add esp, 4
  mov eax, cr2
  cmp eax, 0x1ff000
  jne fail
  ; Without NXE bit 63 is reserved: P | RSVD (9).
  mov ecx, 0xc0000080
  rdmsr
  and eax, ~0x800
  wrmsr
  expect 14, 9, .rsvd
  mov eax, [0x1ff000]
  jmp fail
.rsvd:
  post 0x19
  post 0xff
  hlt
