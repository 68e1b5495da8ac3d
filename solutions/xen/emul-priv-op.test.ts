// xenlab: file from 05
import { describe, expect, it } from 'vitest';
import { ECX, ESP, PAGE_SIZE, translateForHost, VEC_GP } from '../../sim/host.ts';
import { VCPU_INFO_arch_cr2 } from './abi.ts';
import { vcpuInfoMa } from './shared-info.ts';
import { runAsmGuest } from './testing/guest.ts';
import { handleHostTrap } from './traps.ts';

/**
 * A guest with a #GP handler that notes the fault and resumes at [resume], a #NM handler that
 * notes it and clears TS, and PROBE n, {instructions}: results[n] = 1 when they took #GP.
 */
function guest(body: string, data = ''): string {
  return `%include "lib/head.asm"
__HYPERVISOR_fpu_taskswitch equ 5
__HYPERVISOR_set_debugreg equ 8
__HYPERVISOR_get_debugreg equ 9
__HYPERVISOR_physdev_op equ 33
PHYSDEVOP_set_iopl equ 6
%macro PROBE 2
  mov dword [gp_flag], 0
  mov dword [resume], %%after
  %2
%%after:
  push eax
  mov eax, [gp_flag]
  mov [results + %1 * 4], eax
  pop eax
%endmacro
section .text
main:
  mov ebx, trap_table
  HYPERCALL __HYPERVISOR_set_trap_table
${body}
  ret
gp_fault:
  mov dword [gp_flag], 1
  add esp, 4                    ; the error code
  push eax
  mov eax, [resume]
  mov [esp + 4], eax
  pop eax
  iret
nm_fault:
  inc dword [nm_count]
  clts
  iret
section .data
trap_table:
  db 7, 0
  dw FLAT_KERNEL_CS
  dd nm_fault
  db 13, 0
  dw FLAT_KERNEL_CS
  dd gp_fault
  dd 0, 0
gp_flag: dd 0
resume: dd 0
nm_count: dd 0
results: times 32 dd 0xdeadbeef
values: times 32 dd 0xdeadbeef
${data}
`;
}

describe('privileged instructions Xen emulates for the guest kernel', () => {
  it('control registers: reads show the guest view, only CR0.TS may change, CR3 switches', () => {
    const g = runAsmGuest(
      guest(`
  PROBE 0, {mov eax, cr0}
  mov [values + 0], eax
  PROBE 1, {mov eax, cr3}
  mov [values + 4], eax
  PROBE 2, {mov cr3, eax}           ; the same tables again: allowed
  PROBE 3, {mov eax, cr4}
  mov [values + 8], eax
  mov eax, [values + 0]
  or eax, 1 << 30                   ; CR0.CD: Xen's
  PROBE 4, {mov cr0, eax}
  mov eax, 0x1000                   ; not an L3 table of ours
  PROBE 5, {mov cr3, eax}
  mov eax, 0xabc000
  PROBE 6, {mov cr2, eax}
  PROBE 7, {mov ebx, cr2}
  mov [values + 12], ebx
`),
    );
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    const cpu = g.domain.vcpus[0]!.cpu;
    const mfn = cpu.cr3 >>> 12;
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => g.read32('results', i))).toEqual([
      0, 0, 0, 0, 1, 1, 0, 0,
    ]);
    expect(g.read32('values', 0)).toBe(cpu.cr0 >>> 0);
    expect(g.read32('values', 1), 'CR3 in cr3 format').toBe(((mfn << 12) | (mfn >>> 20)) >>> 0);
    expect(g.read32('values', 2)).toBe(cpu.cr4 >>> 0);
    expect(g.read32('values', 3).toString(16)).toBe('abc000');
  });

  it('lazy FPU: fpu_taskswitch and mov to CR0 set TS, the FPU traps #NM to the guest, CLTS clears it', () => {
    const g = runAsmGuest(
      guest(`
  mov ebx, 1
  HYPERCALL __HYPERVISOR_fpu_taskswitch
  mov eax, cr0
  mov [values + 0], eax
  fninit                            ; #NM: the guest's handler runs, CLTS
  mov eax, cr0
  mov [values + 4], eax
  or eax, 8                         ; TS through mov to CR0
  mov cr0, eax
  fninit
`),
    );
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    expect(g.read32('values', 0) & 8, 'TS set by fpu_taskswitch').toBe(8);
    expect(g.read32('values', 1) & 8, 'TS cleared by CLTS').toBe(0);
    expect(g.read32('nm_count')).toBe(2);
  });

  it("MSRs: reads and writes inside Xen's policy work, any other access is #GP", () => {
    const g = runAsmGuest(
      guest(
        `
  mov ecx, 0xc0000080               ; EFER
  PROBE 0, {rdmsr}
  mov [values + 0], eax
  PROBE 1, {wrmsr}                  ; the value it has: accepted
  mov ecx, 0x10                     ; TSC
  PROBE 2, {rdmsr}
  mov [values + 4], eax
  PROBE 3, {wrmsr}                  ; the TSC is Xen's
  mov ecx, 0x174                    ; SYSENTER_CS: would aim SYSENTER at ring 0
  xor edx, edx
  mov eax, 0xe008
  PROBE 4, {wrmsr}
  mov ecx, 0x1b                     ; APIC base
  PROBE 5, {rdmsr}
  mov ecx, 0xc0000080
  mov eax, [values + 0]
  xor eax, 1 << 11                  ; EFER.NXE flipped: a change
  xor edx, edx
  PROBE 6, {wrmsr}
  mov ecx, 0x40000000               ; Xen's hypercall-page MSR, on a page of ours
  mov eax, [start_info]
  mov eax, [eax + START_INFO_mfn_list]
  mov edx, scratch_page
  shr edx, 12
  mov eax, [eax + edx * 4]
  shl eax, 12
  xor edx, edx
  PROBE 7, {wrmsr}
`,
        `section .bss
alignb 4096
scratch_page: resb 4096
`,
      ),
    );
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => g.read32('results', i))).toEqual([
      0, 0, 0, 1, 1, 1, 1, 0,
    ]);
    expect(g.read32('values', 0), 'EFER as the vCPU has it').toBe(g.domain.vcpus[0]!.cpu.efer);
    expect(g.read32('values', 1), 'the TSC counts instructions').toBeGreaterThan(0);
    expect(g.read32('scratch_page', (23 * 32) / 4) & 0xff, "the iret stub's push eax").toBe(0x50);
  });

  it('MISC_ENABLE and the performance MSRs as Xen answers a PV guest with its vPMU off', () => {
    const g = runAsmGuest(
      guest(`
  mov ecx, 0x1a0                    ; IA32_MISC_ENABLE
  PROBE 0, {rdmsr}
  mov [values + 0], eax
  mov [values + 4], edx
  PROBE 1, {wrmsr}                  ; the value it read: accepted
  or eax, 1 << 7                    ; performance monitoring back on: logged, ignored
  PROBE 2, {wrmsr}
  PROBE 3, {rdmsr}
  mov [values + 8], eax
  mov ecx, 0xc1                     ; P6 PERFCTR0
  mov eax, 0x1234
  xor edx, edx
  PROBE 4, {wrmsr}                  ; dropped
  mov eax, 0xffffffff
  PROBE 5, {rdmsr}
  mov [values + 12], eax
  mov ecx, 0x38f                    ; CORE_PERF_GLOBAL_CTRL
  PROBE 6, {rdmsr}
  mov ecx, 0x345                    ; PERF_CAPABILITIES
  PROBE 7, {rdmsr}
  mov [values + 16], eax
  mov ecx, 0xc0010000               ; AMD's K7 event select, on an Intel machine
  PROBE 8, {rdmsr}
`),
    );
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => g.read32('results', i))).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 1,
    ]);
    // Fast strings as the machine has them; EMON (7) and MONITOR (18) hidden; BTS (11), PEBS
    // (12) unavailable and xTPR (23) disabled.
    expect(g.read32('values', 0).toString(16)).toBe('801801');
    expect(g.read32('values', 1)).toBe(0);
    expect(g.read32('values', 2).toString(16), 'the change did not stick').toBe('801801');
    expect(g.xen.logLines.join('\n')).toMatch(/attempted WRMSR 1a0 to 0x801881: ignored/);
    expect(g.read32('values', 3), 'a counter reads 0').toBe(0);
    expect(g.read32('values', 4)).toBe(0);
    // A repetition whose memory faults stops there: the guest takes a #PF for the write (it has
    // no handler here, so the report shows it).
    const f = runAsmGuest(
      guest(
        `
  mov dword [iopl], 1
  mov ebx, PHYSDEVOP_set_iopl
  mov ecx, iopl
  HYPERCALL __HYPERVISOR_physdev_op
  mov dx, 0x80
  mov edi, 0xf5800000 - 2           ; a page this guest has not mapped
  mov ecx, 2
  rep insw
`,
        'iopl: dd 0\n',
      ),
    );
    expect(f.domain.shutdownReason).toBe(3);
    expect(f.xen.logLines.join('\n')).toMatch(
      /#PF, page fault\), error code 0x0002 .*CR2 0xf57ffffe/,
    );
    expect(f.domain.vcpus[0]!.cpu.reg32[ECX], 'no repetition done').toBe(2);
  });

  it('INS and OUTS under the virtual IOPL: all ones in, writes dropped, REP, DF, a segment override', () => {
    const g = runAsmGuest(
      guest(
        `
  PROBE 0, {insb}                   ; no I/O privilege yet: #GP
  mov dword [iopl], 1
  mov ebx, PHYSDEVOP_set_iopl
  mov ecx, iopl
  HYPERCALL __HYPERVISOR_physdev_op
  mov dx, 0x80
  mov edi, buffer
  mov ecx, 3
  PROBE 1, {rep insw}               ; three words of all ones
  mov [values + 0], edi
  mov [values + 4], ecx
  std
  mov edi, buffer + 15
  PROBE 2, {insb}                   ; backwards: EDI steps down
  cld
  mov [values + 8], edi
  mov esi, buffer
  mov ecx, 2
  PROBE 3, {db 0xf3, 0x64, 0x6f}    ; rep fs outsd: from FS:ESI, dropped
  mov [values + 12], esi
  mov [values + 16], ecx
`,
        `iopl: dd 0
buffer: times 16 db 0
`,
      ),
    );
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    expect([0, 1, 2, 3].map((i) => g.read32('results', i))).toEqual([1, 0, 0, 0]);
    const buffer = g.symbol('buffer');
    expect(g.read32('buffer', 0).toString(16)).toBe('ffffffff');
    expect(g.read32('buffer', 1) & 0xffff).toBe(0xffff);
    expect(g.read32('buffer', 3) >>> 24, 'the byte at buffer + 15').toBe(0xff);
    expect(g.read32('values', 0)).toBe(buffer + 6);
    expect(g.read32('values', 1), 'ECX counted down').toBe(0);
    expect(g.read32('values', 2)).toBe(buffer + 14);
    expect(g.read32('values', 3)).toBe(buffer + 8);
    expect(g.read32('values', 4)).toBe(0);
    // A repetition whose memory faults stops there: the guest takes a #PF for the write (it has
    // no handler here, so the report shows it).
    const f = runAsmGuest(
      guest(
        `
  mov dword [iopl], 1
  mov ebx, PHYSDEVOP_set_iopl
  mov ecx, iopl
  HYPERCALL __HYPERVISOR_physdev_op
  mov dx, 0x80
  mov edi, 0xf5800000 - 2           ; a page this guest has not mapped
  mov ecx, 2
  rep insw
`,
        'iopl: dd 0\n',
      ),
    );
    expect(f.domain.shutdownReason).toBe(3);
    expect(f.xen.logLines.join('\n')).toMatch(
      /#PF, page fault\), error code 0x0002 .*CR2 0xf57ffffe/,
    );
    expect(f.domain.vcpus[0]!.cpu.reg32[ECX], 'no repetition done').toBe(2);
  });

  it('an instruction whose bytes cannot be fetched any more takes a #PF there, not the #GP', () => {
    // The window is another vCPU unmapping the page between the #GP and Xen's decoding, which
    // one pCPU never opens: the test takes the #GP exit itself after the page went away.
    const g = runAsmGuest(
      `%include "lib/head.asm"
section .text
main:
  mov ebx, trap_table
  HYPERCALL __HYPERVISOR_set_trap_table
  mov byte [code_page + 4095], 0x0f ; the first byte of wrmsr (0f 30), at the end of its page
  mov ebx, code_page + 4096       ; and the page of its second byte gone
  xor ecx, ecx
  xor edx, edx
  mov esi, UVMF_INVLPG
  HYPERCALL __HYPERVISOR_update_va_mapping
spin:
  jmp spin
pf_handler:
  jmp pf_handler
section .data
trap_table:
  db 14, 0
  dw FLAT_KERNEL_CS
  dd pf_handler
  dd 0, 0
align 4096
code_page: times 8192 db 0x90
`,
      100_000,
    );
    const v = g.domain.vcpus[0]!;
    const cpu = v.cpu;
    expect(cpu.eip, g.xen.logLines.join('\n')).toBe(g.symbol('spin'));
    const missing = g.symbol('code_page') + PAGE_SIZE;
    cpu.eip = missing - 1;
    cpu.exitSoftware = false;
    cpu.exitVector = VEC_GP;
    cpu.exitHasErrorCode = true;
    cpu.exitErrorCode = 0;
    handleHostTrap(g.xen, v);
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(-1);
    expect(cpu.eip, 'in the #PF handler').toBe(g.symbol('pf_handler'));
    const top = g.xen.mem.read32(translateForHost(cpu, cpu.reg32[ESP]! >>> 0, false));
    expect(top, 'error code 0').toBe(0);
    const cr2 = g.xen.mem.read32(vcpuInfoMa(g.domain, 0) + VCPU_INFO_arch_cr2) >>> 0;
    expect(cr2.toString(16), 'CR2: the byte that could not be fetched').toBe(missing.toString(16));
  });

  it('I/O and CLI/STI need the virtual IOPL from PHYSDEVOP_set_iopl', () => {
    const g = runAsmGuest(
      guest(
        `
  mov al, 0x12
  PROBE 0, {in al, 0x80}
  PROBE 1, {cli}
  mov dword [iopl], 4
  mov ebx, PHYSDEVOP_set_iopl
  mov ecx, iopl
  HYPERCALL __HYPERVISOR_physdev_op
  mov [values + 0], eax
  mov dword [iopl], 1
  HYPERCALL __HYPERVISOR_physdev_op
  mov [values + 4], eax
  mov eax, 0x12345678
  mov dx, 0x3f8
  PROBE 2, {in al, dx}
  mov [values + 8], eax
  PROBE 3, {out dx, al}
  PROBE 4, {cli}
  PROBE 5, {sti}
`,
        'iopl: dd 0',
      ),
    );
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    expect([0, 1, 2, 3, 4, 5].map((i) => g.read32('results', i))).toEqual([1, 1, 0, 0, 0, 0]);
    expect(g.read32('values', 0) | 0, 'IOPL 4: -EINVAL').toBe(-22);
    expect(g.read32('values', 1)).toBe(0);
    expect(g.read32('values', 2).toString(16), 'no device: the byte reads all ones').toBe(
      '123456ff',
    );
  });

  it('debug registers: set_debugreg refuses Xen addresses and GD; mov DRn goes through it', () => {
    const g = runAsmGuest(
      guest(`
  mov ebx, 0
  mov ecx, 0xf5800000               ; the M2P: Xen's
  HYPERCALL __HYPERVISOR_set_debugreg
  mov [values + 0], eax
  mov ebx, 0
  mov ecx, main
  HYPERCALL __HYPERVISOR_set_debugreg
  mov [values + 4], eax
  mov ebx, 0
  HYPERCALL __HYPERVISOR_get_debugreg
  mov [values + 8], eax
  mov ebx, 7
  mov ecx, 1 << 13                  ; DR7.GD
  HYPERCALL __HYPERVISOR_set_debugreg
  mov [values + 12], eax
  mov ebx, 6
  HYPERCALL __HYPERVISOR_get_debugreg
  mov [values + 16], eax
  mov eax, 0xff000000
  PROBE 0, {mov dr1, eax}
  mov eax, values
  PROBE 1, {mov dr1, eax}
  PROBE 2, {mov ebx, dr1}
  mov [values + 20], ebx
`),
    );
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    expect(g.read32('values', 0) | 0, "a breakpoint on Xen's memory: -EPERM").toBe(-1);
    expect(g.read32('values', 1)).toBe(0);
    expect(g.read32('values', 2)).toBe(g.symbol('main'));
    expect(g.read32('values', 3) | 0, 'GD: -EPERM').toBe(-1);
    expect(g.read32('values', 4).toString(16)).toBe('ffff0ff0');
    expect([0, 1, 2].map((i) => g.read32('results', i))).toEqual([1, 0, 0]);
    expect(g.read32('values', 5)).toBe(g.symbol('values'));
  });
});

describe('hardware breakpoints through set_debugreg', () => {
  it('an instruction breakpoint in DR0 comes to the guest as #DB, with DR6.B0 set', () => {
    const g = runAsmGuest(`%include "lib/head.asm"
__HYPERVISOR_set_debugreg equ 8
__HYPERVISOR_get_debugreg equ 9
section .text
main:
  mov ebx, trap_table
  HYPERCALL __HYPERVISOR_set_trap_table
  mov ebx, 0
  mov ecx, target
  HYPERCALL __HYPERVISOR_set_debugreg
  mov ebx, 7
  mov ecx, 1                        ; L0: DR0, execute, 1 byte
  HYPERCALL __HYPERVISOR_set_debugreg
  mov dword [before], 1
target:
  mov dword [after], 1
  ret
debug:
  mov eax, [esp]                    ; EIP: the instruction, not yet run
  mov [hit_eip], eax
  mov eax, [after]
  mov [after_at_hit], eax
  mov ebx, 6
  HYPERCALL __HYPERVISOR_get_debugreg
  mov [dr6_seen], eax
  mov ebx, 7
  xor ecx, ecx
  HYPERCALL __HYPERVISOR_set_debugreg
  iret
section .data
trap_table:
  db 1, 0
  dw FLAT_KERNEL_CS
  dd debug
  dd 0, 0
before: dd 0
after: dd 0
hit_eip: dd 0
after_at_hit: dd 0xdeadbeef
dr6_seen: dd 0
`);
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    expect(g.read32('hit_eip')).toBe(g.symbol('target'));
    expect(g.read32('after_at_hit'), 'a fault: before the instruction').toBe(0);
    expect(g.read32('after'), 'then it runs').toBe(1);
    expect(g.read32('dr6_seen') & 0xf).toBe(1);
  });
});
