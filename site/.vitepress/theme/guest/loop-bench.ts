// The `loop` workload of `npm run bench` (bench/index.ts), set up the same way so the worker's
// MIPS compare with Node's: bench/loop.asm in flat ring 0 with 4 KiB pages identity-mapping
// 0–8 MiB, run to HLT. The wall clock is read here, in the site, never in sim/.

import {
  assemble,
  CR0_PG,
  ExitReason,
  enterFlatProtectedMode,
  formatAsmError,
  Machine,
  writeCr,
} from '../../../../sim/host.ts';
import type { BenchResult } from './protocol.ts';

const CODE_ADDR = 0x1000;
const STACK_TOP = 0x80000;
const PAGE_DIRECTORY = 0x10000;
const PAGE_TABLES = 0x11000;
const MEMORY_BYTES = 8 << 20;
const PTE_PRESENT_WRITABLE = 0x3;

function bootLoop(source: string, outer: number): Machine {
  const result = assemble(source, {
    fileName: 'loop.asm',
    format: 'bin',
    defines: { OUTER: String(outer) },
  });
  if (!result.ok) throw new Error(result.errors.map(formatAsmError).join('\n'));
  const machine = new Machine({ memoryBytes: MEMORY_BYTES });
  const mem = machine.mem;
  mem.writeBytes(CODE_ADDR, result.bytes);
  for (let t = 0; t < 2; t++) {
    mem.write32(PAGE_DIRECTORY + 4 * t, (PAGE_TABLES + 0x1000 * t) | PTE_PRESENT_WRITABLE);
  }
  for (let page = 0; page < 2048; page++) {
    mem.write32(PAGE_TABLES + 4 * page, (page << 12) | PTE_PRESENT_WRITABLE);
  }
  const cpu = machine.cpus[0]!;
  enterFlatProtectedMode(cpu, 0);
  writeCr(cpu, 3, PAGE_DIRECTORY);
  writeCr(cpu, 0, cpu.cr0 | CR0_PG);
  cpu.eip = CODE_ADDR;
  cpu.reg32[4] = STACK_TOP;
  return machine;
}

function timeOnce(source: string, outer: number): BenchResult {
  const machine = bootLoop(source, outer);
  const start = performance.now();
  const exit = machine.run(1e12);
  const milliseconds = performance.now() - start;
  if (exit !== ExitReason.Hlt) throw new Error(`bench: unexpected exit ${ExitReason[exit]}`);
  const instructions = machine.cpus[0]!.instructions;
  return { instructions, milliseconds, mips: instructions / milliseconds / 1000 };
}

/** One warm-up run, then the median of three, as `npm run bench` measures. */
export function benchLoop(source: string, outer: number): BenchResult {
  timeOnce(source, outer);
  const runs = [0, 1, 2].map(() => timeOnce(source, outer)).sort((a, b) => a.mips - b.mips);
  return runs[1]!;
}
