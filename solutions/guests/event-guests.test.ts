// xenlab: file from 07
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { Toolstack } from '../dom0/toolstack.ts';
import { RunOutcome, runDomains } from '../xen/schedule.ts';
import { Xen } from '../xen/xen.ts';
import { buildGuest } from './index.ts';

const sources = asmSourcesUnder(import.meta.dirname);

describe('the chapter-07 guests', () => {
  it('timer sleeps until each deadline and wakes on it, spending no fuel asleep', () => {
    const xen = new Xen(new PhysMemory(64 << 20));
    const ts = new Toolstack(xen);
    const d = ts.create(buildGuest('timer.asm', sources), {
      name: 'timer',
      memoryMiB: 8,
      cmdline: '',
    });
    ts.start(d);
    const result = runDomains(xen, 2_000_000);
    expect(result.outcome).toBe(RunOutcome.Idle);
    expect(d.shutdownReason).toBe(0);
    const lines = ts
      .console(d)
      .split('\r\n')
      .filter((l) => l.startsWith('woke'));
    expect(lines).toHaveLength(5);
    const ns = (s: string) => Math.round(Number(s) * 1e9);
    for (const line of lines) {
      const [, woke, deadline] = line.match(/^woke at (\d+\.\d+) s, deadline (\d+\.\d+) s$/)!;
      const late = ns(woke!) - ns(deadline!);
      // The handler reads the clock a few dozen instructions after the timer fired.
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(200);
    }
    // Five sleeps of 1 ms are 5,000,000 ns of virtual time; the guest ran far fewer instructions.
    expect(result.instructions).toBeLessThan(200_000);
  });
  it('smp brings up vCPU 1, both count on the round robin, and vCPU 1 goes down', () => {
    const xen = new Xen(new PhysMemory(64 << 20));
    const ts = new Toolstack(xen);
    const d = ts.create(buildGuest('smp.asm', sources), {
      name: 'smp',
      memoryMiB: 8,
      cmdline: '',
      vcpus: 2,
    });
    ts.start(d);
    const result = runDomains(xen, 2_000_000);
    expect(result.outcome).toBe(RunOutcome.Idle);
    expect(d.shutdownReason).toBe(0);
    const lines = ts.console(d).split('\r\n');
    expect(lines.slice(0, 2)).toEqual([
      'vCPU 0: bringing up vCPU 1',
      'vCPU 1: up on its own stack',
    ]);
    expect(lines[2]).toBe('vCPU 0: went on counting while vCPU 1 counted: yes');
    const v1 = d.vcpus[1]!;
    expect(v1.online).toBe(false);
    expect(lines[3]).toBe(`vCPU 1: runstate 3, ran ${v1.cpu.instructions} ns`);
    expect(v1.cpu.instructions).toBeGreaterThan(90_000);
  });

  it('smp on a domain with one vCPU: VCPUOP_initialise answers -ENOENT', () => {
    const xen = new Xen(new PhysMemory(64 << 20));
    const ts = new Toolstack(xen);
    const d = ts.create(buildGuest('smp.asm', sources), { name: 'smp', memoryMiB: 8, cmdline: '' });
    ts.start(d);
    runDomains(xen, 200_000);
    expect(ts.console(d).split('\r\n').slice(0, 2)).toEqual([
      'vCPU 0: bringing up vCPU 1',
      'vcpu_op failed: -2',
    ]);
  });
});
