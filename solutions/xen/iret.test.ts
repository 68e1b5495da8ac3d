// xenlab: file from 05
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../sim/host.ts';
import { SHUTDOWN_crash, VCPU_INFO_evtchn_upcall_mask } from './abi.ts';
import { runAsmGuest } from './testing/guest.ts';

const PRELUDE = `%include "lib/head.asm"
__HYPERVISOR_iret equ 23
FLAT_USER_CS equ 0xe02b
FLAT_USER_DS equ 0xe033
TRAP_gp_fault equ 13
`;

const upcallMask = (g: ReturnType<typeof runAsmGuest>) =>
  g.xen.mem.read8(g.domain.sharedInfoMfn * PAGE_SIZE + VCPU_INFO_evtchn_upcall_mask);

/** Returns with the iret hypercall to `back` in ring 1, with EFLAGS `flags`. */
function ring1Return(flags: number) {
  return `${PRELUDE}
section .text
main:
  push dword ${flags}
  push dword FLAT_KERNEL_CS
  push dword back
  mov eax, 0x1234abcd
  jmp hypercall_page + __HYPERVISOR_iret * 32
back:
  mov [restored_eax], eax
  pushfd
  pop dword [flags_after]
  ret
section .data
restored_eax: dd 0
flags_after: dd 0
`;
}

describe('HYPERVISOR_iret', () => {
  it('returns to ring 1 with EAX restored and the upcall mask set from the popped IF', () => {
    const masked = runAsmGuest(ring1Return(0x002));
    expect(masked.domain.shutdownReason, masked.xen.logLines.join('\n')).toBe(0);
    expect(masked.read32('restored_eax').toString(16)).toBe('1234abcd');
    expect(upcallMask(masked), 'IF clear: events masked').toBe(1);
    expect(masked.read32('flags_after') & 0x200, 'the real IF stays on').toBe(0x200);
    const unmasked = runAsmGuest(ring1Return(0x202 | 0x3000));
    expect(upcallMask(unmasked), 'IF set: events unmasked').toBe(0);
    expect(unmasked.read32('flags_after') & 0x3000, 'IOPL cleared').toBe(0);
    expect(unmasked.traces).toContain('d1v0 iret() = 305441741');
  });

  it('returns to ring 3 with ESP and SS from the frame; a fault there comes back to ring 1', () => {
    const g = runAsmGuest(`${PRELUDE}
section .text
main:
  mov ebx, trap_table
  HYPERCALL __HYPERVISOR_set_trap_table
  mov ebx, FLAT_KERNEL_DS
  mov ecx, esp
  HYPERCALL __HYPERVISOR_stack_switch
  mov ebx, user
  call make_user
  mov ebx, user_stack
  call make_user
  push dword FLAT_USER_DS
  push dword user_stack_top
  push dword 0x202
  push dword FLAT_USER_CS
  push dword user
  jmp hypercall_page + __HYPERVISOR_iret * 32

; make_user: maps the page at EBX again, with the user bit.
make_user:
  mov eax, ebx
  shr eax, 12
  mov edx, [start_info]
  mov edx, [edx + START_INFO_mfn_list]
  mov ecx, [edx + eax * 4]
  shl ecx, 12
  or ecx, 0x67                  ; present, writable, user, accessed, dirty
  xor edx, edx
  mov esi, UVMF_INVLPG
  HYPERCALL __HYPERVISOR_update_va_mapping
  ret

gp_fault:
  mov eax, [esp + 8]            ; error code, EIP, CS, EFLAGS, ESP, SS
  mov [seen_cs], eax
  mov eax, [esp + 16]
  mov [seen_esp], eax
  mov eax, [esp + 20]
  mov [seen_ss], eax
  mov ebx, SHUTDOWN_poweroff
  call exit

align 4096
user:
  int 0x82                      ; not allowed from ring 3: #GP to the guest's handler
align 4096

section .data
trap_table:
  db TRAP_gp_fault, 0
  dw FLAT_KERNEL_CS
  dd gp_fault
  dd 0, 0
seen_cs: dd 0
seen_esp: dd 0
seen_ss: dd 0
section .bss
alignb 4096
user_stack: resb 4096
user_stack_top:
`);
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    expect(g.read32('seen_cs').toString(16)).toBe('e02b');
    expect(g.read32('seen_esp')).toBe(g.symbol('user_stack_top'));
    expect(g.read32('seen_ss').toString(16)).toBe('e033');
  });

  it('an iret to ring 0 crashes the domain', () => {
    const g = runAsmGuest(`${PRELUDE}
section .text
main:
  push dword 0x202
  push dword 0xe008             ; __HYPERVISOR_CS: Xen's own code segment
  push dword main
  jmp hypercall_page + __HYPERVISOR_iret * 32
`);
    expect(g.domain.shutdownReason).toBe(SHUTDOWN_crash);
    expect(g.xen.logLines.join('\n')).toMatch(/iret: return to ring 0 \(CS e008\)/);
  });

  it('a multicall stops after an iret entry and returns what the iret restored', () => {
    const g = runAsmGuest(`${PRELUDE}
section .text
main:
  push dword 0x202
  push dword FLAT_KERNEL_CS
  push dword back
  push dword 0x5eed                ; the EAX the iret restores
  mov eax, __HYPERVISOR_multicall
  mov ebx, calls
  mov ecx, 2
  int 0x82
  mov dword [fell_through], 1
back:
  mov [restored_eax], eax
  ret
section .data
calls:
  dd __HYPERVISOR_iret, 0xffffffff, 0, 0, 0, 0, 0, 0
  dd __HYPERVISOR_console_io, 0xffffffff, CONSOLEIO_write, 5, text, 0, 0, 0
text: db "after"
fell_through: dd 0
restored_eax: dd 0
`);
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    expect(g.read32('fell_through')).toBe(0);
    expect(g.read32('restored_eax').toString(16)).toBe('5eed');
    expect(g.read32('calls', 1), "the iret entry's result").toBe(0x5eed);
    expect(g.read32('calls', 9), 'the console entry never ran').toBe(0xffffffff);
    expect(g.console()).toBe('');
  });
});
