// Chapter 1, exercise 01-trap-emulate: the monitor emulates what traps — privileged
// instructions by themselves, sensitive ones once rewritten — against the guest's virtual CPU,
// so the guest behaves in ring 1 as on the bare machine (book §1.1.1, §1.3, §1.5.1).
import { describe, expect, test } from 'vitest';
import { getEflags, type Prng } from '../../../sim/host.ts';
import { guestSources, testRng } from '../../testing/index.ts';
import { EXERCISES } from '../exercises.ts';
import {
  buildProgram,
  guestRegisters,
  HALTED,
  interruptsEnabled,
  type MonitorMode,
  runProgram,
  type Vm,
} from '../src/monitor/index.ts';

const FUEL = EXERCISES.find((e) => e.id === '01-trap-emulate')!.fuel;
const guests = guestSources(import.meta.url);
const REGS = ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi'];
/** The arithmetic flags and DF: what POPF loads and PUSHF shows besides IF. */
const FLAGS_SHOWN = 0x0cd5;

/**
 * A random kernel fragment that uses the machine's privileged state: CLI/STI, PUSHF/POPF,
 * LGDT/LIDT then SGDT/SIDT, SMSW/STR/SLDT, between ordinary arithmetic. It stores what it sees
 * in `seen` and ends with HLT.
 */
function kernelFragment(rng: Prng): string {
  const reg = () => REGS[rng.below(REGS.length)]!;
  const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
  const steps: (() => string)[] = [
    () => 'cli',
    () => 'sti',
    () => `pushfd\npop ${reg()}`,
    () => `push dword ${hex((rng.nextU32() & 0x0cd5) | (rng.below(2) << 9) | 2)}\npopfd`,
    () => `lgdt [tables + ${6 * rng.below(4)}]\nsgdt [seen + ${6 * rng.below(4)}]`,
    () => `lidt [tables + ${6 * rng.below(4)}]\nsidt [seen + ${6 * rng.below(4)}]`,
    () => `smsw ${reg()}`,
    () => `str ${reg()}`,
    () => `sldt ${reg()}`,
    () => `add ${reg()}, ${hex(rng.nextU32())}`,
    () => `imul ${reg()}, ${reg()}, ${hex(rng.below(1000))}`,
    () => `xor ${reg()}, ${reg()}`,
  ];
  // Every step once (so the fragment touches every kind of state), then more at random.
  const order = steps.map((_, i) => i);
  for (let i = 0; i < 20; i++) order.push(rng.below(steps.length));
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const table = () =>
    `dw ${hex(rng.below(0x10000))}\ndd ${hex(0x20000 + (rng.nextU32() % 0xfff0000))}`;
  return [
    'bits 32',
    'section .text',
    ...order.map((i) => steps[i]!()),
    'pushfd',
    'pop ebp',
    'hlt',
    'section .data',
    'tables:',
    table(),
    table(),
    table(),
    table(),
    'seen: times 24 db 0',
  ].join('\n');
}

/** What a run shows of the guest: its registers, what it stored, its IF and flags. */
function observed(vm: Vm, seen: number) {
  return {
    stopped: vm.stopped,
    registers: guestRegisters(vm).map((r) => `0x${r.toString(16)}`),
    seen: Array.from(vm.cpu.mem.ram.subarray(seen, seen + 24)),
    interruptFlag: interruptsEnabled(vm),
    flags: getEflags(vm.cpu) & FLAGS_SHOWN,
  };
}

function runGuest(main: string, mode: MonitorMode, timerPeriod: number): Vm {
  return runProgram(buildProgram(main, guests), mode, { fuel: FUEL, timerPeriod });
}

describe('01-trap-emulate', () => {
  test('a random kernel fragment, rewritten, runs in ring 1 exactly as on the bare machine', () => {
    for (let round = 0; round < 6; round++) {
      const source = kernelFragment(testRng(`trap-emulate fragment ${round}`));
      const program = buildProgram('fragment.asm', { 'fragment.asm': source });
      const seen = program.symbols.get('seen')!;
      const bare = observed(runProgram(program, 'bare', { fuel: FUEL }), seen);
      const vm = runProgram(program, 'rewrite', { fuel: FUEL });
      expect(
        observed(vm, seen),
        "Popek and Goldberg's equivalence: in the VM the guest must see what it sees on the " +
          'bare machine (ring 0): its own IF, GDTR, IDTR and CR0, emulated by the monitor ' +
          `(book §1.3, §1.5.1). Guest:\n${source}`,
      ).toEqual(bare);
      const trap = observed(runProgram(program, 'trap', { fuel: FUEL }), seen);
      expect(trap, 'without rewriting, the same fragment must see the host somewhere').not.toEqual(
        bare,
      );
    }
  });

  test('popf-guard, run as it is in ring 1: CLI/STI/OUT trap and work, POPF does not', () => {
    const period = 300 + testRng('popf-guard period').below(400);
    const vm = runGuest('popf-guard.asm', 'trap', period);
    expect(vm.stopped, `the guest ends with HLT, which traps (timer every ${period})`).toBe(HALTED);
    expect(vm.console).toMatch(
      /^timer: ticking\ncritical section with IF=0: interrupted [1-9]\d* times\ntimer: ticking again\n$/,
    );
  });

  test('popf-guard, rewritten: the monitor emulates POPF and no tick gets in', () => {
    const period = 300 + testRng('popf-guard period').below(400);
    const vm = runGuest('popf-guard.asm', 'rewrite', period);
    const bare = runGuest('popf-guard.asm', 'bare', period);
    expect(vm.stopped).toBe(HALTED);
    expect(
      vm.console,
      'with POPF patched and emulated against the virtual IF, the critical section is safe ' +
        '(book §1.5.1)',
    ).toBe('timer: ticking\ncritical section with IF=0: not interrupted\ntimer: ticking again\n');
    expect(vm.console, 'as on the bare machine').toBe(bare.console);
    expect(vm.trapCounts.get('popf'), 'both POPFs trapped to the monitor').toBe(2);
  });

  test('x86-problem, rewritten: SGDT, PUSHF and SMSW answer from the virtual CPU', () => {
    const bare = runGuest('x86-problem.asm', 'bare', 0);
    const trap = runGuest('x86-problem.asm', 'trap', 0);
    const rewritten = runGuest('x86-problem.asm', 'rewrite', 0);
    expect(trap.stopped).toBe(HALTED);
    expect(trap.console, 'unrewritten, the guest sees the host').not.toBe(bare.console);
    expect(rewritten.console, 'rewritten, it sees what it sees on the bare machine').toBe(
      bare.console,
    );
  });
});
