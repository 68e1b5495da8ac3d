// Runs one SingleStepTests 80286 test (MOO format, see moo.ts) on our CPU in real mode and
// compares the final state (docs/testdata.md, "How one test runs"). Pure: the caller supplies
// the parsed tests and the flag masks.

import { type Cpu, CS, DS, ES, ExitReason, SS } from '../cpu.ts';
import { getEflags, setEflags } from '../flags.ts';
import { run } from '../run.ts';
import { resetCpu } from '../system.ts';
import type { MooState, MooTest } from './moo.ts';
import { REG_NAMES } from './moo.ts';

/** REG_NAMES index → our register: general (reg16 index), segment, or ip/flags. */
const GENERAL: Record<string, number> = { ax: 0, cx: 1, dx: 2, bx: 3, sp: 4, bp: 5, si: 6, di: 7 };
const SEGMENT: Record<string, number> = { es: ES, cs: CS, ss: SS, ds: DS };
const IP = REG_NAMES.indexOf('ip');
const FLAGS = REG_NAMES.indexOf('flags');

/**
 * FLAGS bits 12–15 (IOPL, NT, reserved) are forced to 0 in real mode on the 286 but writable
 * on the 386 and later (POPF/IRET): never compared, never loaded.
 */
const FLAGS_286_REAL = 0x0fff;

/** Enough instructions for the instruction and the HLT after it (or at the handler). */
const FUEL = 8;

function loadState(cpu: Cpu, state: MooState): void {
  resetCpu(cpu);
  for (let i = 0; i < REG_NAMES.length; i++) {
    const name = REG_NAMES[i]!;
    const value = state.regs[i]!;
    if (name in GENERAL) cpu.reg16[GENERAL[name]! << 1] = value;
    else if (name in SEGMENT) {
      const s = SEGMENT[name]!;
      cpu.segSelector[s] = value;
      cpu.segBase[s] = value << 4;
      cpu.segLimit[s] = 0xffff;
      cpu.segAccess[s] = 0x93;
    }
  }
  cpu.eip = state.regs[IP]!;
  setEflags(cpu, state.regs[FLAGS]! & FLAGS_286_REAL, 0xffffffff);
  for (let i = 0; i < state.ramAddress.length; i++) {
    cpu.mem.write8(state.ramAddress[i]!, state.ramValue[i]!);
  }
}

function readRegister(cpu: Cpu, i: number): number {
  const name = REG_NAMES[i]!;
  if (name in GENERAL) return cpu.reg16[GENERAL[name]! << 1]!;
  if (name in SEGMENT) return cpu.segSelector[SEGMENT[name]!]!;
  if (i === IP) return cpu.eip & 0xffff;
  return getEflags(cpu) & 0xffff;
}

function expectedRegister(test: MooTest, i: number): number {
  return test.final.regMask & (1 << i) ? test.final.regs[i]! : test.init.regs[i]!;
}

const hex = (v: number, digits: number): string => v.toString(16).padStart(digits, '0');

/**
 * Runs `test` and returns null when the final state matches, else a one-line description of the
 * first differences. `flagsMask` clears the flags the instruction leaves undefined.
 */
export function runMooTest(cpu: Cpu, test: MooTest, flagsMask: number): string | null {
  loadState(cpu, test.init);
  let exit: ExitReason | string;
  try {
    exit = run(cpu, FUEL);
  } catch (e) {
    exit = `threw ${e instanceof Error ? e.message : String(e)}`;
  }
  const problems: string[] = [];
  if (exit !== ExitReason.Hlt) problems.push(`exit ${exit} instead of HLT`);
  const mask = flagsMask & FLAGS_286_REAL;
  for (let i = 0; i < REG_NAMES.length; i++) {
    let expected = expectedRegister(test, i);
    let actual = readRegister(cpu, i);
    if (i === FLAGS) {
      expected &= mask;
      actual &= mask;
    }
    if (expected !== actual) {
      problems.push(`${REG_NAMES[i]} ${hex(actual, 4)} != ${hex(expected, 4)}`);
    }
  }
  const ram = cpu.mem.ram;
  const finalRam = new Map<number, number>();
  for (let i = 0; i < test.final.ramAddress.length; i++) {
    finalRam.set(test.final.ramAddress[i]!, test.final.ramValue[i]!);
  }
  for (let i = 0; i < test.init.ramAddress.length; i++) {
    const a = test.init.ramAddress[i]!;
    if (!finalRam.has(a)) finalRam.set(a, test.init.ramValue[i]!);
  }
  // The FLAGS image an exception pushed sits at SS:SP+4 after delivery. (EXCP's own address
  // is off by one when SP is odd, so it is derived from the final SS:SP instead.)
  let flagsLow = -1;
  let flagsHigh = -1;
  if (test.exception !== null) {
    const ss = expectedRegister(test, REG_NAMES.indexOf('ss')) << 4;
    const sp = expectedRegister(test, REG_NAMES.indexOf('sp'));
    flagsLow = ss + ((sp + 4) & 0xffff);
    flagsHigh = ss + ((sp + 5) & 0xffff);
  }
  for (const [address, value] of finalRam) {
    let byteMask = 0xff;
    if (address === flagsLow) byteMask = mask & 0xff;
    else if (address === flagsHigh) byteMask = (mask >> 8) & 0xff;
    if ((ram[address]! & byteMask) !== (value & byteMask)) {
      problems.push(`[${hex(address, 5)}] ${hex(ram[address]!, 2)} != ${hex(value, 2)}`);
    }
  }
  // Leave RAM zeroed for the next test.
  for (const address of finalRam.keys()) cpu.mem.write8(address, 0);
  return problems.length === 0 ? null : problems.slice(0, 6).join(', ');
}
