// The sim half of the host-differential tier: runs each case's snippet (assembled by native.ts)
// on a flat 32-bit protected-mode CPU and compares with the host, masking the flags the opcode
// table marks undefined for the case's mnemonics.

import { enterFlatProtectedMode } from '../../machine.ts';
import { PhysMemory } from '../../memory/memory.ts';
import { Cpu, ExitReason, HostMode } from '../cpu.ts';
import { getEflags, setEflags } from '../flags.ts';
import { run } from '../run.ts';
import { resetCpu } from '../system.ts';
import { OPCODE_TABLE } from '../table.ts';
import { CASE_REGS, type Case, COMPARED_FLAGS, SCRATCH_BYTES } from './cases.ts';
import { CODE_ADDR, CODE_SLOT, type Outcome, SCRATCH_ADDR } from './native.ts';

/** EAX ECX EDX EBX EBP ESI EDI as indexes of cpu.reg32 (ESP, 4, is skipped). */
const REG_INDEX = [0, 1, 2, 3, 5, 6, 7] as const;

/** The union of flagsUndefined over every table entry spelled `mnemonic`. */
export function undefinedFlagsOf(mnemonic: string): number {
  let mask = 0;
  let known = false;
  for (const e of OPCODE_TABLE) {
    if (e.mnemonic === mnemonic || e.mnemonic32 === mnemonic) {
      mask |= e.flagsUndefined;
      known = true;
    }
  }
  if (!known) throw new Error(`differential: ${mnemonic} is not in the opcode table`);
  return mask;
}

/** The flags compared for `c`: DF and the arithmetic flags minus the undefined ones. */
export function comparedFlags(c: Case): number {
  let undefinedMask = c.undefinedFlags;
  for (const m of c.mnemonics) undefinedMask |= undefinedFlagsOf(m);
  return COMPARED_FLAGS & ~undefinedMask;
}

/**
 * Runs every case in the sim; `image` holds case i at CODE_ADDR + i * CODE_SLOT. The CPU runs
 * in PV host mode, so a fault the host CPU did not take ends the case with HostTrap instead of
 * wandering through an empty IDT; such a case gets `error`.
 */
export function simulateCases(cases: readonly Case[], image: Uint8Array): Outcome[] {
  const bytes = CODE_ADDR + image.length;
  const mem = new PhysMemory(Math.ceil(bytes / 0x100000) * 0x100000);
  mem.writeBytes(CODE_ADDR, image);
  const cpu = new Cpu(mem);
  return cases.map((_, i) => {
    const c = cases[i]!;
    resetCpu(cpu);
    enterFlatProtectedMode(cpu);
    cpu.hostMode = HostMode.Pv;
    for (let r = 0; r < REG_INDEX.length; r++) cpu.reg32[REG_INDEX[r]!] = c.regs[r]!;
    cpu.reg32[4] = 0x8000;
    setEflags(cpu, c.flags | 0x2, 0xffffffff);
    mem.writeBytes(SCRATCH_ADDR, c.memory);
    cpu.eip = CODE_ADDR + i * CODE_SLOT;
    const exit = run(cpu, 100_000);
    const outcome: Outcome = {
      regs: REG_INDEX.map((r) => cpu.reg32[r]! >>> 0),
      flags: getEflags(cpu),
      memory: mem.readBytes(SCRATCH_ADDR, SCRATCH_BYTES),
    };
    if (exit === ExitReason.HostTrap) {
      const at = (cpu.eip - CODE_ADDR - i * CODE_SLOT).toString(16);
      outcome.error = `the sim raised vector ${cpu.exitVector} at snippet offset 0x${at}`;
    } else if (exit !== ExitReason.Hlt) {
      outcome.error = `the sim stopped with ${ExitReason[exit]}`;
    }
    return outcome;
  });
}

/** A readable description of how `sim` differs from `native`, or null when they agree. */
export function difference(c: Case, native: Outcome, sim: Outcome): string | null {
  const problems: string[] = [];
  if (sim.error) problems.push(sim.error);
  for (let r = 0; r < CASE_REGS.length; r++) {
    if (native.regs[r] !== sim.regs[r]) {
      const hex = (v: number) => v.toString(16).padStart(8, '0');
      problems.push(`${CASE_REGS[r]}: host ${hex(native.regs[r]!)}, sim ${hex(sim.regs[r]!)}`);
    }
  }
  const mask = comparedFlags(c);
  if ((native.flags & mask) !== (sim.flags & mask)) {
    const hex = (v: number) => (v & mask).toString(16).padStart(3, '0');
    problems.push(
      `eflags (mask ${mask.toString(16)}): host ${hex(native.flags)}, sim ${hex(sim.flags)}`,
    );
  }
  for (let b = 0; b < SCRATCH_BYTES; b++) {
    if (native.memory[b] !== sim.memory[b]) {
      problems.push(`memory[${b}]: host ${native.memory[b]}, sim ${sim.memory[b]}`);
      break;
    }
  }
  if (problems.length === 0) return null;
  const inputs = CASE_REGS.map((n, r) => `${n}=${c.regs[r]!.toString(16)}`).join(' ');
  return `${c.name} [${inputs} flags=${c.flags.toString(16)}]: ${problems.join('; ')}`;
}
