import { describe, expect, test } from 'vitest';
import { Prng } from '../prng.ts';
import { read8, write8 } from './access.ts';
import { type Cpu, DS, EAX, ECX, ExitReason } from './cpu.ts';
import { CODE, DATA, flatCpu } from './instructions/testing.ts';
import { flushTlb } from './paging.ts';
import { run } from './run.ts';

const HLT = 0xf4;

function load(cpu: Cpu, bytes: readonly number[]): void {
  cpu.mem.writeBytes(CODE, bytes);
  cpu.eip = CODE;
}

/** Everything an instruction can change here: registers, EFLAGS, EIP, count, the data page. */
function snapshot(cpu: Cpu) {
  return {
    regs: Array.from(cpu.reg32),
    flags: cpu.flags,
    eip: cpu.eip,
    instructions: cpu.instructions,
    data: Array.from(cpu.mem.readBytes(DATA, 64)),
  };
}

/** Runs `bytes` once through decoded blocks and once one instruction at a time (a trace hook
 * turns blocks off); returns both end states. */
function bothWays(bytes: readonly number[], fuel: number, setup: (cpu: Cpu) => void = () => {}) {
  const states = [false, true].map((traced) => {
    const cpu = flatCpu();
    setup(cpu);
    load(cpu, bytes);
    if (traced) cpu.trace = () => {};
    const exit = run(cpu, fuel);
    return { exit, ...snapshot(cpu), blocks: cpu.blocks !== null };
  });
  return { blocks: states[0]!, stepped: states[1]! };
}

describe('decoded blocks', () => {
  test('an instruction that rewrites the next one in its own block runs the new one', () => {
    // nop ; mov byte [CODE+9], 0x40 ; nop (becomes inc eax) ; inc eax ; hlt — the first NOP
    // runs alone (it loads the fetch page); the block from CODE+1 is decoded before the store.
    const cpu = flatCpu();
    load(cpu, [0x90, 0xc6, 0x05, ...le32(CODE + 8), 0x40, 0x90, 0x40, HLT]);
    expect(run(cpu, 100)).toBe(ExitReason.Hlt);
    expect(cpu.reg32[EAX]).toBe(2);
  });

  test('code the host writes over a decoded block runs, not the stale decoding', () => {
    const cpu = flatCpu();
    load(cpu, [0x90, 0xb8, ...le32(1), HLT]); // nop ; mov eax, 1
    run(cpu, 100);
    expect(cpu.reg32[EAX]).toBe(1);
    expect(cpu.mem.code[CODE >>> 12]).toBe(1);
    cpu.mem.writeBytes(CODE + 1, [0xb8, ...le32(2)]); // mov eax, 2, written by the host
    cpu.eip = CODE + 1;
    run(cpu, 100);
    expect(cpu.reg32[EAX]).toBe(2);
  });

  test('a TLB entry filled after a frame became code gives no direct write access to it', () => {
    const cpu = flatCpu();
    load(cpu, [0x90, 0x90, HLT]);
    run(cpu, 100);
    const frame = CODE >>> 12;
    const gen = cpu.mem.codeGen[frame]!;
    flushTlb(cpu, false);
    read8(cpu, DS, CODE); // refills the entry
    write8(cpu, DS, CODE + 1, 0x40);
    expect(cpu.mem.codeGen[frame]).toBe(gen + 1);
    expect(cpu.mem.code[frame]).toBe(0);
  });

  test('the fuel stops a block at the exact instruction', () => {
    const cpu = flatCpu();
    load(cpu, [...Array(10).fill(0x40), HLT]); // inc eax × 10
    expect(run(cpu, 3)).toBe(ExitReason.Fuel);
    expect([cpu.reg32[EAX], cpu.eip, cpu.instructions]).toEqual([3, CODE + 3, 3]);
    expect(run(cpu, 100)).toBe(ExitReason.Hlt);
    expect([cpu.reg32[EAX], cpu.instructions]).toEqual([10, 11]);
  });

  test('a fault inside a block reports the faulting instruction and counts it', () => {
    const cpu = flatCpu();
    load(cpu, [0x31, 0xc9, 0x40, 0xf7, 0xf1, HLT]); // xor ecx, ecx ; inc eax ; div ecx
    expect(run(cpu, 100)).toBe(ExitReason.HostTrap);
    expect([cpu.exitVector, cpu.eip, cpu.instructions]).toEqual([0, CODE + 3, 3]);
  });

  test('RDTSC after a block sees every instruction before it', () => {
    const { blocks, stepped } = bothWays([0x40, 0x40, 0x40, 0x0f, 0x31, HLT], 100);
    expect(blocks.blocks).toBe(true);
    expect(blocks.regs[EAX]).toBe(3);
    expect(blocks).toEqual({ ...stepped, blocks: true });
  });

  test('a frame the program keeps writing to still runs right (it leaves blocks)', () => {
    // mov ecx, 200 ; l: mov [CODE+0x800], ecx ; inc dword [DATA] ; dec ecx ; jnz l ; hlt
    const program = [
      0xb9,
      ...le32(200),
      0x89,
      0x0d,
      ...le32(CODE + 0x800),
      0xff,
      0x05,
      ...le32(DATA),
      0x49,
      0x75,
      0xf1,
      HLT,
    ];
    const { blocks, stepped } = bothWays(program, 10_000);
    expect(blocks.data.slice(0, 4)).toEqual([200, 0, 0, 0]);
    expect(blocks).toEqual({ ...stepped, blocks: true });
  });

  test('seeded random straight-line programs end in the same state as one at a time', () => {
    const rng = new Prng(0xb10c);
    // inc/dec/add/sub/xor/and/or/adc/sbb on registers, loads and stores to DATA, lea, movzx.
    const forms: (() => number[])[] = [
      () => [0x40 + rng.below(8)],
      () => [0x48 + rng.below(8)],
      () => [0x01 + 8 * rng.below(7), 0xc0 | (rng.below(8) << 3) | rng.below(8)],
      () => [0x81, 0xc0 | (rng.below(7) << 3) | rng.below(8), ...le32(rng.nextU32())],
      () => [0x89, 0x05 | (rng.below(8) << 3), ...le32(DATA + 4 * rng.below(16))],
      () => [0x8b, 0x05 | (rng.below(8) << 3), ...le32(DATA + 4 * rng.below(16))],
      () => [0x8d, 0x44 | (rng.below(8) << 3), (rng.below(4) << 6) | 0x08, rng.below(256)],
      () => [0x0f, 0xb6, 0xc0 | (rng.below(8) << 3) | rng.below(8)],
      () => [0xd1, 0xe0 | rng.below(8)],
    ];
    for (let round = 0; round < 40; round++) {
      const program: number[] = [];
      for (let i = 0; i < 60; i++) program.push(...forms[rng.below(forms.length)]!());
      program.push(HLT);
      const fuel = 20 + rng.below(50);
      const regs = Array.from({ length: 8 }, () => rng.nextU32());
      const { blocks, stepped } = bothWays(program, fuel, (cpu) => {
        for (let r = 0; r < 8; r++) if (r !== 4) cpu.reg32[r] = regs[r]!;
        cpu.reg32[ECX] = DATA;
      });
      expect(blocks, `round ${round}`).toEqual({ ...stepped, blocks: true });
    }
  });
});

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
