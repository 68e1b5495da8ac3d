// The x86-TSO store buffer (store-buffer.ts) through the host interface: the classic litmus tests
// as real machine code on CPUs sharing memory, forwarding, and what drains the buffer.
import { describe, expect, it } from 'vitest';
import {
  assemble,
  bufferedStores,
  type Cpu,
  drainStoreBuffer,
  EAX,
  EBX,
  ECX,
  EDX,
  ESP,
  ExitReason,
  enterFlatProtectedMode,
  formatAsmError,
  Machine,
  Prng,
  setStoreBuffer,
  TYPE_INT_GATE32,
  writeDescriptor,
  writeGate,
} from '../host.ts';
import { deliverExternalInterrupt } from './interrupts.ts';

/** Shared variables, one page of data no CPU runs code from. */
const X = 0x8000;
const Y = 0x8040;
const Z = 0x8080;
/** Where CPU i's code goes, and its stack top. */
const codeAt = (i: number) => 0x1000 * (i + 1);
const stackAt = (i: number) => 0x7000 - 0x400 * i;
/** Drain odds so long that nothing drains at a seeded point in a short test. */
const NEVER = 0x7fffffff;

function assembleAt(source: string, org: number): Uint8Array {
  const r = assemble(`bits 32\norg ${org}\n${source}`, { fileName: 'litmus.asm', format: 'bin' });
  if (!r.ok) throw new Error(r.errors.map(formatAsmError).join('\n'));
  return r.bytes;
}

interface Setup {
  /** A store buffer per CPU, seeded from this (none when undefined). */
  seed?: number;
  drainOdds?: number;
  capacity?: number;
  sliceNs?: number;
}

/** A machine whose CPU i runs `sources[i]` at codeAt(i) in flat 32-bit ring 0. */
function machine(sources: string[], setup: Setup = {}): Machine {
  const m = new Machine({ memoryBytes: 0x20000, cpus: sources.length, sliceNs: setup.sliceNs });
  sources.forEach((source, i) => {
    const cpu = m.cpus[i]!;
    enterFlatProtectedMode(cpu);
    m.mem.writeBytes(codeAt(i), assembleAt(source, codeAt(i)));
    cpu.eip = codeAt(i);
    cpu.reg32[ESP] = stackAt(i);
    if (setup.seed !== undefined) {
      const { drainOdds, capacity } = setup;
      setStoreBuffer(cpu, { seed: setup.seed * sources.length + i, drainOdds, capacity });
    }
  });
  return m;
}

/** Runs until every CPU has halted; false when `fuel` runs out first. */
function runToHalt(m: Machine, fuel = 100_000): boolean {
  const start = m.now();
  while (!m.halted.every((h) => h === 1)) {
    if (m.now() - start >= fuel) return false;
    const exit = m.run(fuel);
    if (exit !== ExitReason.Hlt && exit !== ExitReason.Fuel) {
      throw new Error(`unexpected exit ${ExitReason[exit]} on CPU ${m.exitCpu}`);
    }
  }
  return true;
}

// --- SB (store buffering): each CPU stores to its variable, then loads the other's. Under
// sequential consistency one load at least sees 1; under TSO both may see 0, unless a fence
// sits between the store and the load.

const sbSource = (mine: number, other: number, store: string, fence: string) => `
w: dec ecx                ; a seeded start delay
   jns w
   ${store.replaceAll('MINE', `[${mine}]`)}
   ${fence}
   mov eax, [${other}]
   hlt`;

const SB_STORE = 'mov dword MINE, 1';

/** SB over `seeds` seeded schedules: how often both loads saw 0, and every outcome. */
function storeBuffering(store: string, fence: string, buffered: boolean, seeds = 200) {
  let bothZero = 0;
  const outcomes: string[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const schedule = new Prng(seed);
    const m = machine([sbSource(X, Y, store, fence), sbSource(Y, X, store, fence)], {
      seed: buffered ? seed : undefined,
      sliceNs: 1 + schedule.below(3),
    });
    for (const cpu of m.cpus) cpu.reg32[ECX] = schedule.below(4);
    expect(runToHalt(m)).toBe(true);
    const [r0, r1] = m.cpus.map((c) => c.reg32[EAX]!);
    if (r0 === 0 && r1 === 0) bothZero++;
    outcomes.push(`${r0},${r1}@${m.now()}`);
    expect([m.mem.read32(X), m.mem.read32(Y)]).toEqual([1, 1]);
  }
  return { bothZero, outcomes };
}

describe('x86-TSO litmus tests on two CPUs', () => {
  it('SB: with the store buffer on, both loads see 0 for some seeds', () => {
    expect(storeBuffering(SB_STORE, '', true).bothZero).toBeGreaterThan(0);
  });

  it('SB: never with the store buffer off', () => {
    expect(storeBuffering(SB_STORE, '', false).bothZero).toBe(0);
  });

  it('SB: never with MFENCE, a LOCKed instruction or XCHG between the store and the load', () => {
    expect(storeBuffering(SB_STORE, 'mfence', true).bothZero).toBe(0);
    expect(storeBuffering(SB_STORE, 'lock or dword [esp], 0', true).bothZero).toBe(0);
    expect(storeBuffering('mov edx, 1\n xchg MINE, edx', '', true).bothZero).toBe(0);
  });

  it('the same seed gives the same interleaving, another seed another one', () => {
    const first = storeBuffering(SB_STORE, '', true, 40).outcomes;
    expect(storeBuffering(SB_STORE, '', true, 40).outcomes).toEqual(first);
    const m = (seed: number) => {
      const sources = [sbSource(X, Y, SB_STORE, ''), sbSource(Y, X, SB_STORE, '')];
      const run = machine(sources, { seed, sliceNs: 1 });
      runToHalt(run);
      return run.cpus.map((c) => c.reg32[EAX]).join();
    };
    const results = new Set(Array.from({ length: 40 }, (_, seed) => m(seed)));
    expect(results.size).toBeGreaterThan(1);
  });

  it('MP (message passing): the data is always there once the flag is, though the flag lags', () => {
    const writer = `
      mov dword [${X}], 42   ; the message
      mov dword [${Y}], 1    ; the flag
      mov ecx, 40
    w: dec ecx
      jnz w
      hlt`;
    const reader = `
    w: dec ecx
      jns w
    s: mov eax, [${Y}]
      test eax, eax
      jz s
      mov ebx, [${X}]
      hlt`;
    // The writer's address after its two stores.
    const afterStores =
      codeAt(0) + assembleAt('mov dword [0x8000], 42\nmov dword [0x8040], 1', 0).length;
    let lagged = 0;
    for (let seed = 0; seed < 200; seed++) {
      const schedule = new Prng(seed);
      const m = machine([writer, reader], { seed, sliceNs: 1 + schedule.below(3) });
      m.cpus[1]!.reg32[ECX] = schedule.below(8);
      let sawLag = false;
      for (let t = 0; t < 10_000 && !m.halted.every((h) => h === 1); t++) {
        m.run(1);
        // The host looks: the writer is past its flag store, and memory has no flag yet.
        if (m.cpus[0]!.eip >= afterStores && m.mem.read32(Y) === 0) sawLag = true;
      }
      expect(m.halted.every((h) => h === 1)).toBe(true);
      expect(m.cpus[1]!.reg32[EBX]).toBe(42);
      if (sawLag) lagged++;
    }
    expect(lagged).toBeGreaterThan(0);
  });
});

// --- One CPU, with nothing draining at seeded points, stepped instruction by instruction.

function oneCpu(source: string, setup: Setup = {}): { m: Machine; cpu: Cpu } {
  const m = machine([source], { seed: 1, drainOdds: NEVER, ...setup });
  return { m, cpu: m.cpus[0]! };
}

/** Runs `count` instructions on a one-CPU machine. */
function step(m: Machine, count: number): void {
  expect(m.run(count)).toBe(ExitReason.Fuel);
}

describe('store forwarding', () => {
  it('a CPU reads its own buffered store; the host sees it only once it drains', () => {
    const { m, cpu } = oneCpu(`
      mov dword [${X}], 0x11223344
      mov eax, [${X}]
      movzx ebx, byte [${X + 1}]
      movzx edx, word [${X + 2}]
      jmp $`);
    step(m, 4);
    expect(cpu.reg32[EAX]! >>> 0).toBe(0x11223344);
    expect(cpu.reg32[EBX]).toBe(0x33);
    expect(cpu.reg32[EDX]).toBe(0x1122);
    expect(bufferedStores(cpu)).toBe(1);
    expect(m.mem.read32(X)).toBe(0);
    drainStoreBuffer(cpu);
    expect(bufferedStores(cpu)).toBe(0);
    expect(m.mem.read32(X)).toBe(0x11223344);
  });

  it('the newest of several stores to the same bytes wins', () => {
    const { m, cpu } = oneCpu(`
      mov dword [${X}], 1
      mov dword [${X}], 2
      mov eax, [${X}]
      jmp $`);
    step(m, 3);
    expect(cpu.reg32[EAX]).toBe(2);
    expect(bufferedStores(cpu)).toBe(2);
    drainStoreBuffer(cpu);
    expect(m.mem.read32(X)).toBe(2);
  });

  it('a load a buffered store covers only in part drains the buffer, then reads memory', () => {
    const { m, cpu } = oneCpu(`
      mov dword [${X}], 0x11223344
      mov byte [${X + 1}], 0x99
      mov dword [${Y}], 7
      movzx ebx, byte [${X + 1}]
      mov eax, [${X}]
      jmp $`);
    step(m, 4);
    // The newest store to X+1 covers the byte load: forwarded, nothing drains.
    expect(cpu.reg32[EBX]).toBe(0x99);
    expect(bufferedStores(cpu)).toBe(3);
    step(m, 1);
    // The dword load overlaps the byte store only in part: everything drains first.
    expect(cpu.reg32[EAX]! >>> 0).toBe(0x11229944);
    expect(bufferedStores(cpu)).toBe(0);
    expect(m.mem.read32(X)).toBe(0x11229944);
    expect(m.mem.read32(Y)).toBe(7);
  });

  it('a store across a page boundary is buffered and forwarded byte by byte', () => {
    const { m, cpu } = oneCpu(`
      mov dword [${X + 0xffe}], 0xaabbccdd
      mov eax, [${X + 0xffe}]
      jmp $`);
    step(m, 2);
    expect(cpu.reg32[EAX]! >>> 0).toBe(0xaabbccdd);
    expect(m.mem.read32(X + 0xffe)).toBe(0);
    drainStoreBuffer(cpu);
    expect(m.mem.read32(X + 0xffe)).toBe(0xaabbccdd);
  });

  it('stores drain oldest first, and a full buffer drains its oldest entry', () => {
    const { m, cpu } = oneCpu(
      `
      mov dword [${X}], 1
      mov dword [${Y}], 2
      mov dword [${Z}], 3
      jmp $`,
      { capacity: 2 },
    );
    step(m, 3);
    expect(bufferedStores(cpu)).toBe(2);
    expect([m.mem.read32(X), m.mem.read32(Y), m.mem.read32(Z)]).toEqual([1, 0, 0]);
  });

  it('stores drain at seeded points without any fence', () => {
    const source = `
      mov dword [${X}], 1
      mov ecx, 200
    w: dec ecx
      jnz w
      jmp $`;
    const held = oneCpu(source);
    step(held.m, 300);
    expect(bufferedStores(held.cpu)).toBe(1);
    expect(held.m.mem.read32(X)).toBe(0);
    const seeded = oneCpu(source, { drainOdds: 8 });
    step(seeded.m, 300);
    expect(bufferedStores(seeded.cpu)).toBe(0);
    expect(seeded.m.mem.read32(X)).toBe(1);
  });
});

describe('what drains the store buffer', () => {
  const program = (instruction: string) => `
      mov dword [${X}], 1
      mov dword [${Y}], 2
      mov eax, 5
      ${instruction}
      jmp $`;

  const fences = [
    'mfence',
    `lock inc dword [${Z}]`,
    `lock xadd [${Z}], eax`,
    `xchg [${Z}], eax`,
    'cpuid',
    'out 0x80, al',
    'wbinvd',
    'mov cr2, eax',
  ];
  it.each(fences)('%s drains it', (instruction) => {
    const { m, cpu } = oneCpu(program(instruction));
    step(m, 4);
    expect(bufferedStores(cpu)).toBe(0);
    expect([m.mem.read32(X), m.mem.read32(Y)]).toEqual([1, 2]);
  });

  const others = [`inc dword [${Z}]`, `xadd [${Z}], eax`, 'xchg eax, ebx', 'lfence', 'sfence'];
  it.each(others)('%s leaves it be', (instruction) => {
    const { m, cpu } = oneCpu(program(instruction));
    step(m, 4);
    expect(bufferedStores(cpu)).toBeGreaterThanOrEqual(2);
    expect([m.mem.read32(X), m.mem.read32(Y)]).toEqual([0, 0]);
  });

  /** A GDT with flat ring-0 code and data at 0x9000 and an IDT at 0xa000 whose gates lead to
   * `handler`. */
  function withIdt(m: Machine, cpu: Cpu, vectors: number[], handler: number): void {
    writeDescriptor(m.mem, 0x9008, 0, 0xffffffff, 0x9b, 0xc);
    writeDescriptor(m.mem, 0x9010, 0, 0xffffffff, 0x93, 0xc);
    cpu.gdtBase = 0x9000;
    cpu.gdtLimit = 0x17;
    for (const v of vectors) writeGate(m.mem, 0xa000 + v * 8, 0x08, handler, TYPE_INT_GATE32, 0);
    cpu.idtBase = 0xa000;
    cpu.idtLimit = 0x7ff;
  }

  const interrupting = [
    ['INT n', 'int 0x30'],
    ['an exception', 'ud2'],
  ];
  it.each(interrupting)('%s drains it, the frame it pushed included', (_, instruction) => {
    const source = `${program(instruction)}\nhandler: jmp $`;
    const { m, cpu } = oneCpu(source);
    const handler = codeAt(0) + assembleAt(program(instruction), 0).length;
    withIdt(m, cpu, [6, 0x30], handler);
    step(m, 4);
    expect(cpu.eip).toBe(handler);
    expect(bufferedStores(cpu)).toBe(0);
    expect(m.mem.read32(X)).toBe(1);
    // The interrupt frame's CS, in memory for all to see.
    expect(m.mem.read32(stackAt(0) - 8)).toBe(0x08);
  });

  it('a hardware interrupt drains it', () => {
    const { m, cpu } = oneCpu(`${program('nop')}\nhandler: jmp $`);
    withIdt(m, cpu, [0x40], codeAt(0) + assembleAt(program('nop'), 0).length);
    step(m, 4);
    expect(bufferedStores(cpu)).toBe(2);
    deliverExternalInterrupt(cpu, 0x40);
    expect(bufferedStores(cpu)).toBe(0);
    expect(m.mem.read32(Y)).toBe(2);
  });

  it('an exit to the host drains it; running out of fuel does not', () => {
    const { m, cpu } = oneCpu(program('hlt'));
    step(m, 3);
    expect(bufferedStores(cpu)).toBe(2);
    expect(m.run(10)).toBe(ExitReason.Hlt);
    expect(bufferedStores(cpu)).toBe(0);
    expect([m.mem.read32(X), m.mem.read32(Y)]).toEqual([1, 2]);
  });

  it('switching it off drains it and restores the direct path', () => {
    const { m, cpu } = oneCpu(program('nop'));
    step(m, 2);
    setStoreBuffer(cpu, null);
    expect(cpu.storeBuffer).toBe(null);
    expect([m.mem.read32(X), m.mem.read32(Y)]).toEqual([1, 2]);
    step(m, 1);
    expect(cpu.reg32[EAX]).toBe(5);
  });

  it('a store to a frame holding decoded code goes straight to memory', () => {
    // CPU 0 runs unbuffered code at codeAt(0), so its frame holds decoded blocks; CPU 1 stores
    // beside that code.
    const m = machine(['l: jmp l', program(`mov dword [${codeAt(0) + 0x800}], 9`)], {
      seed: 3,
      drainOdds: NEVER,
    });
    setStoreBuffer(m.cpus[0]!, null);
    step(m, 4);
    const cpu = m.cpus[1]!;
    expect(bufferedStores(cpu)).toBe(0);
    expect(m.mem.read32(codeAt(0) + 0x800)).toBe(9);
    expect(m.mem.read32(X)).toBe(1);
  });
});
