// xenlab: file from 02
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../sim/host.ts';
import { DomainState } from '../xen/domain.ts';
import { ImageError } from '../xen/elf.ts';
import { RunOutcome, runDomains } from '../xen/schedule.ts';
import { minimalKernel } from '../xen/testing/boot.ts';
import { Xen } from '../xen/xen.ts';
import { Toolstack } from './toolstack.ts';

const spin = minimalKernel([0xeb, 0xfe]);
const config = { name: 'spin', memoryMiB: 16, cmdline: 'quiet' };

describe('toolstack: the VM lifecycle (book §2.7)', () => {
  it('walks created → running → paused → running → destroyed', () => {
    const xen = new Xen(new PhysMemory(64 << 20));
    const ts = new Toolstack(xen);
    // Domain 0's own frames, which its first hypercall (the new domain's event channel) needs.
    void xen.dom0Vcpu;
    const free = xen.heap.free;
    const d = ts.create(spin, config);
    expect(d.state).toBe(DomainState.Created);
    expect(xen.heap.free).toBe(free - 4096 - 1);
    expect(runDomains(xen, 1000).outcome).toBe(RunOutcome.Idle);
    ts.start(d);
    expect(d.state).toBe(DomainState.Running);
    expect(runDomains(xen, 1000).outcome).toBe(RunOutcome.FuelExhausted);
    ts.pause(d);
    expect(d.state).toBe(DomainState.Paused);
    const before = d.vcpus[0]!.cpu.instructions;
    runDomains(xen, 1000);
    expect(d.vcpus[0]!.cpu.instructions).toBe(before);
    ts.unpause(d);
    expect(d.state).toBe(DomainState.Running);
    expect(ts.list().map((i) => [i.domid, i.name, i.state])).toEqual([
      [0, 'Domain-0', DomainState.Running],
      [1, 'spin', DomainState.Running],
    ]);
    ts.destroy(d);
    expect(d.state).toBe(DomainState.Destroyed);
    expect(xen.heap.free).toBe(free);
    expect(ts.list().map((i) => i.domid)).toEqual([0]);
  });

  it('refuses unpausing a domain that is not paused', () => {
    const ts = new Toolstack(new Xen(new PhysMemory(64 << 20)));
    const d = ts.create(spin, config);
    ts.start(d);
    expect(() => ts.unpause(d)).toThrow(/unpausedomain\(d1\) failed: -EINVAL/);
  });

  it('gives every domain its own id and frames, and frees a failed build', () => {
    const xen = new Xen(new PhysMemory(64 << 20));
    const ts = new Toolstack(xen);
    const a = ts.create(spin, config);
    const b = ts.create(spin, { ...config, name: 'spin2' });
    expect([a.domid, b.domid]).toEqual([1, 2]);
    expect(a.p2m.some((mfn) => b.p2m.includes(mfn))).toBe(false);
    const free = xen.heap.free;
    expect(() => ts.create(new Uint8Array(100), config)).toThrow(ImageError);
    expect(() => ts.create(spin, { ...config, memoryMiB: 1000 })).toThrow(ImageError);
    expect(xen.heap.free).toBe(free);
  });
});
