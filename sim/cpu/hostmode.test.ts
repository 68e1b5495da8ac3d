// The PV host-mode contract (interrupts.ts header) end to end through run(): a ring-1 guest
// kernel whose transfers to ring 0 come back to the host, which resumes or fixes things up.
import { describe, expect, it } from 'vitest';
import { assemble, formatAsmError } from '../asm/index.ts';
import { CR0_PG, ExitReason, HostMode, SS, VEC_GP, VEC_PF } from './cpu.ts';
import { iret } from './interrupts.ts';
import {
  IDT,
  protectedCpu,
  SEL_CODE0,
  SEL_CODE1,
  SEL_CODE3,
  SEL_DATA1,
  SEL_DATA3,
  STACK0,
  STACK1,
} from './pm-fixture.ts';
import { run } from './run.ts';
import { TYPE_TRAP_GATE32, writeGate } from './segments.ts';
import { writeCr } from './system.ts';

const GUEST = `
bits 32
org 0x100000
  mov ax, 0x39          ; the ring-1 data segment (the IRET into ring 1 nulled DS)
  mov ds, ax
  mov eax, 1
  int 0x82              ; hypercall: HostTrap 0x82, EIP after
at_cli:
  cli                   ; privileged at CPL 1: #GP(0), EIP at the CLI
at_load:
  mov ebx, [0x500010]   ; not mapped: #PF, error 0, CR2
  push dword 0x23       ; to ring 3 at user_code
  push dword 0x6000
  push dword 0x202
  push dword 0x1b
  push dword user_code
  iret
user_code:
  int 0x80              ; DPL-3 gate into ring 1: delivered by the CPU
  hlt
ring1_handler:
  mov ecx, [esp + 4]    ; the caller's CS
  hlt                   ; privileged at CPL 1: #GP(0)
`;

function pvGuest() {
  const result = assemble(GUEST, { fileName: 'guest.asm' });
  if (!result.ok) throw new Error(result.errors.map(formatAsmError).join('\n'));
  const cpu = protectedCpu();
  cpu.mem.writeBytes(0x100000, result.bytes);
  // Identity-map 0–4 MiB (user, writable); 4–8 MiB has a page table with nothing present.
  for (let i = 0; i < 1024; i++) cpu.mem.write32(0x11000 + i * 4, (i << 12) | 7);
  cpu.mem.write32(0x10000, 0x11000 | 7);
  cpu.mem.write32(0x10004, 0x12000 | 7);
  writeCr(cpu, 3, 0x10000);
  writeCr(cpu, 0, cpu.cr0 | CR0_PG);
  cpu.hostMode = HostMode.Pv;
  writeGate(cpu.mem, IDT + 0x82 * 8, SEL_CODE0, 0, TYPE_TRAP_GATE32, 1);
  const handler = result.symbols.get('ring1_handler')!;
  writeGate(cpu.mem, IDT + 0x80 * 8, SEL_CODE1, handler, TYPE_TRAP_GATE32, 3);
  // Enter the guest kernel in ring 1, as Xen's domain builder does.
  cpu.reg32[4] = STACK0 - 20;
  const frame = [0x100000, SEL_CODE1, 2, STACK1, SEL_DATA1];
  for (const [i, v] of frame.entries()) cpu.mem.write32(STACK0 - 20 + i * 4, v);
  iret(cpu, true);
  return {
    cpu,
    handler,
    atCli: result.symbols.get('at_cli')!,
    atLoad: result.symbols.get('at_load')!,
  };
}

describe('PV host mode through run()', () => {
  it('exits for hypercalls, privileged instructions and page faults, and resumes', () => {
    const { cpu, handler, atCli, atLoad } = pvGuest();
    expect(cpu.cpl).toBe(1);

    expect(run(cpu, 1000)).toBe(ExitReason.HostTrap);
    expect([cpu.exitVector, cpu.exitSoftware, cpu.exitHasErrorCode]).toEqual([0x82, true, false]);
    expect([cpu.eip, cpu.reg32[0], cpu.cpl]).toEqual([atCli, 1, 1]);

    expect(run(cpu, 1000)).toBe(ExitReason.HostTrap);
    expect([cpu.exitVector, cpu.exitErrorCode, cpu.exitSoftware]).toEqual([VEC_GP, 0, false]);
    expect(cpu.eip).toBe(atCli); // at the CLI: the host emulates it and skips it
    cpu.eip += 1;

    expect(run(cpu, 1000)).toBe(ExitReason.HostTrap);
    expect([cpu.exitVector, cpu.exitErrorCode, cpu.cr2]).toEqual([VEC_PF, 0, 0x500010]);
    expect(cpu.eip).toBe(atLoad);
    cpu.mem.write32(0x12000 + 0x100 * 4, 0x300000 | 7); // the host maps the page
    cpu.mem.write32(0x300010, 0xfeed);

    // The guest retries the load, drops to ring 3, and INT 0x80 goes to ring 1 directly.
    expect(run(cpu, 1000)).toBe(ExitReason.HostTrap);
    expect(cpu.reg32[3]).toBe(0xfeed);
    expect([cpu.exitVector, cpu.cpl, cpu.eip]).toEqual([VEC_GP, 1, handler + 4]);
    expect(cpu.reg32[1]).toBe(SEL_CODE3);
    expect(cpu.segSelector[SS]).toBe(SEL_DATA1);
    expect(cpu.mem.read32(STACK1 - 8)).toBe(0x6000);
    expect(cpu.mem.read32(STACK1 - 4)).toBe(SEL_DATA3);
  });
});
