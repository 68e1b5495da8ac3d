import { describe, expect, it } from 'vitest';
import { assemble } from './asm/index.ts';
import { type Cpu, ExitReason } from './cpu/cpu.ts';
import { enterFlatProtectedMode, Machine, type MachineConfig } from './machine.ts';

/**
 * A stand-in interpreter: every "instruction" only counts, and a script per CPU says at which
 * instruction count it exits and how (with optional setup of the exit fields).
 */
interface Step {
  at: number;
  exit: ExitReason;
  setup?: (cpu: Cpu) => void;
}

function scripted(machine: () => Machine, scripts: Step[][], log?: string[]) {
  return (cpu: Cpu, fuel: number): ExitReason => {
    const index = machine().cpus.indexOf(cpu);
    log?.push(`${index}:${fuel}`);
    const script = scripts[index] ?? [];
    const next = script.find((s) => s.at >= cpu.instructions);
    if (next && next.at <= cpu.instructions + fuel) {
      cpu.instructions = next.at;
      script.splice(script.indexOf(next), 1);
      next.setup?.(cpu);
      return next.exit;
    }
    cpu.instructions += fuel;
    return ExitReason.Fuel;
  };
}

function makeMachine(config: Partial<MachineConfig>, scripts: Step[][] = [], log?: string[]) {
  let machine: Machine | undefined;
  machine = new Machine({
    memoryBytes: 0x10000,
    ...config,
    runCpu: scripted(() => machine!, scripts, log),
  });
  return machine;
}

describe('Machine clock and scheduling', () => {
  it('one instruction is one virtual nanosecond and one TSC tick', () => {
    const m = makeMachine({});
    expect(m.run(25_000)).toBe(ExitReason.Fuel);
    expect(m.now()).toBe(25_000);
    expect(m.cpus[0]!.instructions).toBe(25_000);
    expect(m.tsc(0)).toBe(25_000);
  });

  it('runs the CPUs round-robin in equal slices', () => {
    const log: string[] = [];
    const m = makeMachine({ cpus: 2, sliceNs: 1000 }, [], log);
    m.run(2500);
    expect(log).toEqual(['0:1000', '1:1000', '0:1000', '1:1000', '0:500', '1:500']);
    expect(m.cpus.map((c) => c.instructions)).toEqual([2500, 2500]);
  });

  it('fires events at their deadline, in (time, order) sequence, with every CPU there', () => {
    const m = makeMachine({ cpus: 2, sliceNs: 1000 });
    const seen: string[] = [];
    m.events.schedule(2500, (now) => seen.push(`b@${now}:${m.cpuNow(0)},${m.cpuNow(1)}`));
    m.events.schedule(1200, (now) => seen.push(`a@${now}:${m.cpus[1]!.instructions}`));
    m.events.schedule(2500, () => seen.push('c'));
    m.run(4000);
    expect(seen).toEqual(['a@1200:1200', 'b@2500:2500,2500', 'c']);
  });

  it('HLT exits, idles the CPU with its TSC still counting, and a timer wakes it', () => {
    const m = makeMachine({ cpus: 2, sliceNs: 1000 }, [[{ at: 300, exit: ExitReason.Hlt }]]);
    expect(m.run(10_000)).toBe(ExitReason.Hlt);
    expect(m.exitCpu).toBe(0);
    expect(m.halted[0]).toBe(1);
    m.timers[0]!.set(5000);
    expect(m.run(10_000)).toBe(ExitReason.Fuel);
    // The fuel counts from the halted CPU's time (300). Halted from 300 to 5000, then running
    // until 10300.
    expect(m.cpus[0]!.instructions).toBe(300 + 5300);
    expect(m.cpus[1]!.instructions).toBe(10_300);
    expect(m.tsc(0)).toBe(10_300);
    expect(m.tsc(1)).toBe(10_300);
  });

  it('an idle machine skips straight to the next event', () => {
    const log: string[] = [];
    const m = makeMachine({ sliceNs: 1000 }, [[{ at: 0, exit: ExitReason.Hlt }]], log);
    expect(m.run(1_000_000)).toBe(ExitReason.Hlt);
    m.events.schedule(700_000, () => log.push('event'));
    expect(m.run(1_000_000)).toBe(ExitReason.Fuel);
    expect(log).toEqual(['0:1000', 'event']);
    expect(m.now()).toBe(1_000_000);
  });

  it('an exit mid-slice resumes the same CPU for the rest of its slice', () => {
    const log: string[] = [];
    const m = makeMachine(
      { cpus: 2, sliceNs: 1000 },
      [[{ at: 400, exit: ExitReason.HostTrap }]],
      log,
    );
    expect(m.run(2000)).toBe(ExitReason.HostTrap);
    expect(m.exitCpu).toBe(0);
    expect(m.run(2000)).toBe(ExitReason.Fuel);
    expect(log.slice(0, 4)).toEqual(['0:1000', '0:600', '1:1000', '0:1000']);
  });

  it('a small fuel after a mid-slice exit runs only that much', () => {
    const log: string[] = [];
    const m = makeMachine(
      { cpus: 2, sliceNs: 1000 },
      [[{ at: 400, exit: ExitReason.HostTrap }]],
      log,
    );
    expect(m.run(5000)).toBe(ExitReason.HostTrap);
    expect(m.run(100)).toBe(ExitReason.Fuel);
    expect(m.cpuNow(0)).toBe(500);
    expect(m.cpus[1]!.instructions).toBe(0);
    expect(m.run(1500)).toBe(ExitReason.Fuel);
    expect(log).toEqual(['0:1000', '0:100', '0:500', '1:1000', '0:1000', '1:1000']);
    expect(m.now()).toBe(2000);
  });

  it('wires every CPU to the port bus with the debug console; host I/O exits pass through', () => {
    const m = makeMachine({ cpus: 2 }, [
      [
        {
          at: 10,
          exit: ExitReason.Io,
          setup: (cpu) => {
            for (const ch of 'ok') cpu.io.write(0xe9, 1, ch.charCodeAt(0));
            cpu.reg8[0] = cpu.io.read(0xe9, 1);
            cpu.exitPort = 0x70;
          },
        },
      ],
    ]);
    expect(m.cpus[1]!.io).toBe(m.ports);
    expect(m.run(100)).toBe(ExitReason.Io);
    expect(m.exitCpu).toBe(0);
    expect(m.cpus[0]!.exitPort).toBe(0x70);
    expect(m.debugConsole.text()).toBe('ok');
    expect(m.cpus[0]!.reg8[0]).toBe(0xe9);
  });

  it('is deterministic: the same schedule twice gives the same trace', () => {
    const trace = () => {
      const log: string[] = [];
      const m = makeMachine(
        { cpus: 3, sliceNs: 700 },
        [[{ at: 1000, exit: ExitReason.Hlt }], [], [{ at: 50, exit: ExitReason.Stopped }]],
        log,
      );
      m.events.schedule(1500, () => m.wake(0));
      while (m.run(5000) !== ExitReason.Fuel) log.push(`exit ${m.exitCpu}`);
      return log.join(' ');
    };
    expect(trace()).toBe(trace());
  });
});

describe('Machine with the real CPU', () => {
  /** A machine whose CPU i starts in flat protected mode at 0x1000 * (i + 1). */
  function load(programs: number[][]): Machine {
    const m = new Machine({ memoryBytes: 0x10000, cpus: programs.length, sliceNs: 100 });
    programs.forEach((bytes, i) => {
      const cpu = m.cpus[i]!;
      enterFlatProtectedMode(cpu);
      m.mem.writeBytes(0x1000 * (i + 1), Uint8Array.from(bytes));
      cpu.eip = 0x1000 * (i + 1);
      cpu.reg32[4] = 0x8000 + 0x100 * i;
    });
    return m;
  }

  it('collects debug-console output per machine, in slice order', () => {
    // mov al, c; out 0xe9, al; hlt
    const m = load([
      [0xb0, 0x61, 0xe6, 0xe9, 0xf4],
      [0xb0, 0x62, 0xe6, 0xe9, 0xf4],
    ]);
    expect(m.run(1000)).toBe(ExitReason.Hlt);
    expect(m.exitCpu).toBe(0);
    expect(m.run(1000)).toBe(ExitReason.Hlt);
    expect(m.exitCpu).toBe(1);
    expect(m.run(1000)).toBe(ExitReason.Fuel);
    expect(m.debugConsole.text()).toBe('ab');
    expect(load([[0xb0, 0x63, 0xe6, 0xe9, 0xf4]]).debugConsole.text()).toBe('');
  });

  it('a halted CPU woken by its timer resumes with its TSC at the machine clock', () => {
    // hlt; nop; hlt
    const m = load([[0xf4, 0x90, 0xf4]]);
    expect(m.run(100)).toBe(ExitReason.Hlt);
    m.timers[0]!.set(5000);
    expect(m.run(10_000)).toBe(ExitReason.Hlt);
    expect(m.cpus[0]!.instructions).toBe(3);
    expect(m.tsc(0)).toBe(m.cpuNow(0));
    expect(m.tsc(0)).toBe(5002);
  });

  it('RDTSC reads the machine clock, idle time included', () => {
    // hlt; rdtsc; hlt
    const m = load([[0xf4, 0x0f, 0x31, 0xf4]]);
    expect(m.run(100)).toBe(ExitReason.Hlt);
    m.timers[0]!.set(5000);
    expect(m.run(10_000)).toBe(ExitReason.Hlt);
    // Woken at 5000 (HLT retired at 1, idle until then); RDTSC reads the time it starts at.
    expect(m.cpus[0]!.reg32[0]).toBe(5000);
    expect(m.cpus[0]!.reg32[2]).toBe(0);
  });

  it('interleaves CPUs deterministically: same slices, same race, same output', () => {
    // Each CPU does a non-atomic increment of a shared counter and prints its letter every
    // 256 iterations; which increments are lost depends only on the slice length.
    const source = (letter: string) => `bits 32
      mov bl, '${letter}'
      mov ecx, 3000
    l: mov eax, [0x3000]
      inc eax
      nop
      mov [0x3000], eax
      test ecx, 0xff
      jnz s
      mov al, bl
      out 0xe9, al
    s: dec ecx
      jnz l
      hlt`;
    const image = (letter: string) => {
      const r = assemble(source(letter), { format: 'bin' });
      if (!r.ok) throw new Error(r.errors.map((e) => e.reason).join('; '));
      return [...r.bytes];
    };
    const race = (sliceNs: number) => {
      const m = new Machine({ memoryBytes: 0x10000, cpus: 3, sliceNs });
      ['a', 'b', 'c'].forEach((letter, i) => {
        const cpu = m.cpus[i]!;
        enterFlatProtectedMode(cpu);
        m.mem.writeBytes(0x1000 * (i + 4), Uint8Array.from(image(letter)));
        cpu.eip = 0x1000 * (i + 4);
      });
      while (m.run(1_000_000) === ExitReason.Hlt);
      return `${m.debugConsole.text()} ${m.mem.read32(0x3000)} ${m.now()}`;
    };
    const first = race(37);
    expect(race(37)).toBe(first);
    // 9000 increments; a slice shorter than one pass of the loop body loses many of them.
    expect(first).toMatch(/^(abc){11} 6570 \d+$/);
    expect(race(1000)).not.toBe(first);
  });
});
