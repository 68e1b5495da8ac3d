// A minimal CPU for instruction-family tests: flat 32-bit protected mode at CPL 0 in PV host
// mode, so a fault ends run() with ExitReason.HostTrap and the vector in cpu.exitVector.
// Instruction bytes are written by hand in the tests (no assembler involved).

import { PhysMemory } from '../../memory/memory.ts';
import { Cpu, CR0_PE, CS, ESP, type ExitReason, HostMode } from '../cpu.ts';
import { getEflags, setEflags } from '../flags.ts';
import { run } from '../run.ts';
import { resetCpu } from '../system.ts';

export const CODE = 0x1000;
export const STACK_TOP = 0x8000;
export const DATA = 0x10000;

/** A fresh CPU: flat 4 GiB segments, 32-bit code, ESP = STACK_TOP, 1 MiB of RAM. */
export function flatCpu(bits: 16 | 32 = 32): Cpu {
  const cpu = new Cpu(new PhysMemory(1 << 20));
  resetCpu(cpu);
  for (let s = 0; s < 6; s++) {
    cpu.segSelector[s] = s === CS ? 0x08 : 0x10;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffffffff;
    const db = bits === 32 ? 0x4000 : 0;
    cpu.segAccess[s] = (s === CS ? 0x809b : 0x8093) | db;
  }
  cpu.cr0 |= CR0_PE;
  cpu.cpl = 0;
  cpu.hostMode = HostMode.Pv;
  cpu.reg32[ESP] = STACK_TOP;
  return cpu;
}

/** Writes `bytes` followed by HLT at CODE and runs to the HLT (or the first exit). */
export function exec(cpu: Cpu, bytes: readonly number[]): ExitReason {
  cpu.mem.writeBytes(CODE, [...bytes, 0xf4]);
  cpu.eip = CODE;
  return run(cpu, 10_000);
}

export function flags(cpu: Cpu): number {
  return getEflags(cpu);
}

export function setFlags(cpu: Cpu, value: number): void {
  setEflags(cpu, value, 0xffffffff);
}

/** Little-endian bytes of a 32-bit value (for immediates and displacements). */
export function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
