// `npm run bench`: interpreter speed in MIPS (million guest instructions per wall-clock second)
// on two workloads, each the median of several runs after a warm-up:
//   loop  — bench/loop.asm: a tight array loop with paging on (goal: ≥ 60 MIPS);
//   mixed — bench/mixed.asm: calls, string ops, port I/O and one host-handled #PF per iteration.
// Then the assembler's speed: `asm-largest ms` (see the end of this file).
// Guests are assembled with xenlab's own assembler (sim/asm). Wall-clock time is allowed here
// and only here: bench/ is outside the determinism rule.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assemble,
  type Cpu,
  CR0_PG,
  ExitReason,
  enterFlatProtectedMode,
  formatAsmError,
  HostMode,
  invalidatePage,
  Machine,
  VEC_PF,
  writeCr,
} from '../sim/host.ts';
import { asmSourcesUnder } from '../tools/asm-sources.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** BENCH_ONLY=NAME runs one workload (for profiling). */
const ONLY = process.env.BENCH_ONLY;
/**
 * BENCH_CLOCK=cpu times runs by the process's CPU time instead of the wall clock: on a loaded
 * machine that is the better estimate of what an idle one would measure.
 */
const CPU_CLOCK = process.env.BENCH_CLOCK === 'cpu';

/** Seconds on the chosen clock. */
function now(): number {
  if (!CPU_CLOCK) return performance.now() / 1000;
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

const CODE_ADDR = 0x1000;
const STACK_TOP = 0x80000;
const PAGE_DIRECTORY = 0x10000;
/** Two page tables: identity-map 0–8 MiB with 4 KiB pages. */
const PAGE_TABLES = 0x11000;
const MEMORY_BYTES = 8 << 20;
const PTE_PRESENT_WRITABLE = 0x3;
/** mixed.asm's demand pages: 16 pages at 4 MiB, present only while the host maps them. */
const DEMAND = 0x400000;
const DEMAND_PAGES = 16;

function assembleGuest(file: string, defines: Record<string, string>): Uint8Array {
  const source = readFileSync(join(HERE, file), 'utf8');
  const result = assemble(source, { fileName: file, format: 'bin', defines });
  if (!result.ok) throw new Error(result.errors.map(formatAsmError).join('\n'));
  return result.bytes;
}

/** A one-CPU machine running `image` in flat protected mode at `cpl` with paging on. */
function bootMachine(image: Uint8Array, cpl: number): Machine {
  const machine = new Machine({ memoryBytes: MEMORY_BYTES });
  const mem = machine.mem;
  mem.writeBytes(CODE_ADDR, image);
  for (let t = 0; t < 2; t++) {
    mem.write32(PAGE_DIRECTORY + 4 * t, (PAGE_TABLES + 0x1000 * t) | PTE_PRESENT_WRITABLE);
  }
  for (let page = 0; page < 2048; page++) {
    const demand = page >= DEMAND >>> 12 && page < (DEMAND >>> 12) + DEMAND_PAGES;
    mem.write32(PAGE_TABLES + 4 * page, demand ? 0 : (page << 12) | PTE_PRESENT_WRITABLE);
  }
  const cpu = machine.cpus[0]!;
  enterFlatProtectedMode(cpu, cpl);
  writeCr(cpu, 3, PAGE_DIRECTORY);
  writeCr(cpu, 0, cpu.cr0 | CR0_PG);
  cpu.eip = CODE_ADDR;
  cpu.reg32[4] = STACK_TOP;
  return machine;
}

/** The little PV host of `mixed`: maps the faulting demand page and unmaps the previous one. */
function handlePageFault(cpu: Cpu, mapped: { page: number }): void {
  const linear = cpu.cr2 >>> 0;
  const page = linear >>> 12;
  if (cpu.exitVector !== VEC_PF || linear < DEMAND || linear >= DEMAND + DEMAND_PAGES * 4096) {
    throw new Error(`mixed: unexpected trap ${cpu.exitVector} at ${cpu.eip.toString(16)}`);
  }
  if (mapped.page >= 0) {
    cpu.mem.write32(PAGE_TABLES + 4 * mapped.page, 0);
    invalidatePage(cpu, mapped.page << 12);
  }
  cpu.mem.write32(PAGE_TABLES + 4 * page, (page << 12) | PTE_PRESENT_WRITABLE);
  invalidatePage(cpu, linear);
  mapped.page = page;
}

/** The port mixed.asm writes when done (a ring-1 guest cannot HLT without trapping). */
const DONE_PORT = 0xf4;

/** Runs a machine to HLT or the done port; returns the instructions retired. */
function runToHalt(machine: Machine): number {
  const cpu = machine.cpus[0]!;
  const mapped = { page: -1 };
  for (;;) {
    const exit = machine.run(1e12);
    if (exit === ExitReason.Hlt) return cpu.instructions;
    if (exit === ExitReason.Io && cpu.exitPort === DONE_PORT) return cpu.instructions;
    if (exit === ExitReason.HostTrap) {
      handlePageFault(cpu, mapped);
      continue;
    }
    throw new Error(`bench: unexpected exit ${ExitReason[exit]} at ${cpu.eip.toString(16)}`);
  }
}

interface Workload {
  name: string;
  boot: () => Machine;
}

const loopImage = assembleGuest('loop.asm', { OUTER: '400' });
const mixedImage = assembleGuest('mixed.asm', { ITERATIONS: '60000' });

const WORKLOADS: Workload[] = [
  { name: 'loop', boot: () => bootMachine(loopImage, 0) },
  {
    name: 'mixed',
    boot: () => {
      const machine = bootMachine(mixedImage, 1);
      const cpu = machine.cpus[0]!;
      cpu.hostMode = HostMode.Pv;
      cpu.flags |= 1 << 12; // IOPL 1: ring 1 may use ports, as Xen grants dom0's kernel
      cpu.hostPorts[DONE_PORT] = 1;
      return machine;
    },
  },
];

function measure(w: Workload): number {
  const machine = w.boot();
  const start = now();
  const instructions = runToHalt(machine);
  const seconds = now() - start;
  return instructions / seconds / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

for (const w of WORKLOADS) {
  if (ONLY !== undefined && w.name !== ONLY) continue;
  measure(w); // warm-up: let the JIT settle
  const runs = Array.from({ length: RUNS }, () => measure(w));
  console.log(`${w.name} MIPS: ${median(runs).toFixed(1)}`);
}

// asm-largest — the assembler's goal: the largest guest in the repository assembles in < 50 ms.
// "Largest" is the program (guest kernel or CPU test kernel) with the most source, %includes
// counted; it is assembled as it is built (guests as ELF, test kernels as flat binaries).

/** Characters of `main` and of every file it %includes, transitively. */
function sourceSize(main: string, files: Record<string, string>, seen = new Set<string>()): number {
  const text = files[main];
  if (text === undefined || seen.has(main)) return 0;
  seen.add(main);
  let size = text.length;
  for (const m of text.matchAll(/^\s*%include\s+"([^"]+)"/gm)) {
    size += sourceSize(m[1]!, files, seen);
  }
  return size;
}

interface Program {
  path: string;
  size: number;
  build: () => boolean;
}

function programsIn(dir: string, format: 'bin' | 'elf'): Program[] {
  const files = asmSourcesUnder(join(HERE, '..', dir));
  return Object.keys(files)
    .filter((f) => f.endsWith('.asm') && !f.includes('/'))
    .map((main) => ({
      path: `${dir}/${main}`,
      size: sourceSize(main, files),
      build: () => assemble(files[main]!, { fileName: main, files, format }).ok,
    }));
}

if (ONLY === undefined || ONLY === 'asm-largest') {
  const programs = [
    ...programsIn('solutions/guests', 'elf'),
    ...programsIn('sim/cpu/kernels', 'bin'),
  ].filter((p) => p.build());
  const largest = programs.reduce((a, b) => (b.size > a.size ? b : a));
  const runs = Array.from({ length: RUNS }, () => {
    const start = performance.now();
    largest.build();
    return performance.now() - start;
  });
  console.log(`asm-largest ms: ${median(runs).toFixed(1)} (${largest.path}, goal < 50)`);
}
