// Your working copy for chapter 03, generated from solutions/xen/testing/boot.ts by npx xenlab stage.
// Test helper: a Xen with one built (still paused) domain from a minimal kernel image, and
// shortcuts to poke guest memory and issue a hypercall as if the guest had run `int $0x82`.

import {
  EAX,
  EBP,
  EBX,
  ECX,
  EDI,
  EDX,
  ESI,
  PhysMemory,
  translateForHost,
} from '../../../../../sim/host.ts';
import type { Vcpu } from '../domain.ts';
import type { HypercallTrace } from '../hypercall.ts';
import { handleHostTrap } from '../traps.ts';
import { type DomainConfig, Xen } from '../xen.ts';
import { makeElf, num, str } from './make-elf.ts';

/**
 * A kernel linked at 0: three pages — code at 0 (default `jmp $`), the hypercall page at
 * 0x1000, and `data` at 0x2000.
 */
export function minimalKernel(code: number[] = [0xeb, 0xfe], data: number[] = []): Uint8Array {
  const image = new Uint8Array(3 * 4096);
  image.set(code);
  image.set(data, 0x2000);
  return makeElf({
    entry: 0,
    segments: [{ paddr: 0, data: image }],
    notes: [
      { name: 'Xen', type: 6, desc: str('xenlab-test') },
      { name: 'Xen', type: 8, desc: str('generic') },
      { name: 'Xen', type: 5, desc: str('xen-3.0') },
      { name: 'Xen', type: 9, desc: str('yes') },
      { name: 'Xen', type: 2, desc: num(0x1000) },
    ],
  });
}

export function bootTestDomain(config: Partial<DomainConfig> = {}, image = minimalKernel()) {
  const traces: HypercallTrace[] = [];
  const consoleText: string[] = [];
  const xen = new Xen(new PhysMemory(64 << 20), {
    trace: (t) => traces.push(t),
    console: (_d, bytes) => consoleText.push(String.fromCharCode(...bytes)),
  });
  const { domain, layout } = xen.createDomain(image, {
    name: 'test',
    memoryMiB: 16,
    cmdline: '',
    ...config,
  });
  const vcpu = domain.vcpus[0]!;
  const cpu = vcpu.cpu;

  /** Writes bytes at a guest virtual address (through the guest's own tables). */
  const poke = (va: number, bytes: Uint8Array | number[]) => {
    bytes.forEach((b, i) => {
      const pa = translateForHost(cpu, va + i, false);
      if (pa < 0) throw new Error(`poke: 0x${(va + i).toString(16)} is not mapped`);
      xen.mem.write8(pa, b);
    });
  };
  const peek = (va: number, length: number) =>
    Array.from({ length }, (_, i) => xen.mem.read8(translateForHost(cpu, va + i, false)));
  const peekString = (va: number, max: number) =>
    String.fromCharCode(...peek(va, max)).replace(/\0.*$/s, '');

  /** Runs hypercall `nr` with up to six arguments as vCPU `v` (default vCPU 0); returns EAX. */
  const hypercall = (nr: number, args: number[] = [], v: Vcpu = vcpu) => {
    const c = v.cpu;
    c.reg32[EAX] = nr;
    [EBX, ECX, EDX, ESI, EDI, EBP].forEach((r, i) => {
      c.reg32[r] = args[i] ?? 0;
    });
    c.exitSoftware = true;
    c.exitVector = 0x82;
    c.exitHasErrorCode = false;
    handleHostTrap(xen, v);
    return c.reg32[EAX]!;
  };
  return { xen, domain, layout, vcpu, cpu, traces, consoleText, poke, peek, peekString, hypercall };
}
