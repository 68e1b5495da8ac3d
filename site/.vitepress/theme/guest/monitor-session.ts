// One of chapter 1's guests as the site runs it: a flat binary on the classic trap-and-emulate
// monitor of solutions/monitor (book §1.4–1.5), on the bare machine, in ring 1 as it is, or
// rewritten — the guest's `monitor` mode. Behind the same GuestSession interface as a PV guest.

import type { Cpu } from '../../../../sim/cpu/cpu.ts';
import type { PhysMemory } from '../../../../sim/memory/memory.ts';
import type { GuestInfo } from '../../../../solutions/guests/index.ts';
import {
  buildProgram,
  GUEST_SIZE,
  GUEST_TIMER_PERIOD,
  HALTED,
  runVm,
  startProgram,
  type Vm,
} from '../../../../solutions/monitor/index.ts';
import { type GuestSession, hostLine, type SessionListeners } from './session.ts';

const encoder = new TextEncoder();

export class MonitorSession implements GuestSession {
  readonly name: string;
  readonly vm: Vm;
  private readonly listeners: SessionListeners;

  /** Assembles `guest` from `files` and loads it for its mode, ready at its first instruction. */
  constructor(guest: GuestInfo, files: Record<string, string>, listeners: SessionListeners) {
    this.name = guest.name;
    this.listeners = listeners;
    const program = buildProgram(guest.main, files);
    this.vm = startProgram(program, guest.monitor ?? 'trap', { timerPeriod: GUEST_TIMER_PERIOD });
  }

  get cpu(): Cpu {
    return this.vm.cpu;
  }

  get mem(): PhysMemory {
    return this.vm.cpu.mem;
  }

  get instructions(): number {
    return this.vm.cpu.instructions;
  }

  get ended(): boolean {
    return this.vm.stopped !== undefined;
  }

  get state(): string {
    return this.vm.stopped === undefined
      ? 'running'
      : this.vm.stopped === HALTED
        ? 'halted'
        : 'stopped';
  }

  get outcome(): string {
    return this.vm.stopped ?? '';
  }

  run(fuel: number): boolean {
    const shown = this.vm.console.length;
    runVm(this.vm, fuel);
    const output = this.vm.console.slice(shown);
    if (output !== '') this.listeners.output?.(encoder.encode(output));
    const stopped = this.vm.stopped;
    if (stopped !== undefined && stopped !== HALTED) {
      this.listeners.output?.(hostLine('(monitor) ', stopped));
    }
    return stopped === undefined;
  }

  /** The monitor's guests have no keyboard. */
  type(_text: string): void {}

  /** Paging is off and the guest's segments start at 0: linear is physical, inside the guest. */
  physical(linear: number): number {
    const address = linear >>> 0;
    return address < GUEST_SIZE ? address : -1;
  }
}
