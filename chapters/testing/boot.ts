// A Xen with one built (still paused) domain from the minimal kernel, and shortcuts to poke the
// guest's memory and issue a hypercall as if the guest had run `int $0x82`. The hypervisor is
// the caller's (a graded tree's `../src/xen/index.ts`, or solutions/ in the project's tests).

import {
  type Cpu,
  EAX,
  EBP,
  EBX,
  ECX,
  EDI,
  EDX,
  ESI,
  PhysMemory,
  translateForHost,
} from '../../sim/host.ts';
import { minimalKernel } from './elf.ts';

/** What the toolstack passes to create a domain. */
export interface TestDomainConfig {
  name: string;
  memoryMiB: number;
  cmdline: string;
  seed?: number;
}

/** The parts of a hypervisor tree a test boots a domain with. */
export interface TestHypervisor<X, D, V, T> {
  Xen: new (
    mem: PhysMemory,
    listeners: { trace?(t: T): void; console?(d: D, bytes: Uint8Array): void },
  ) => X;
  handleHostTrap(xen: X, v: V): void;
}

interface BootableXen<D> {
  readonly mem: PhysMemory;
  createDomain(image: Uint8Array, config: TestDomainConfig): { domain: D; layout: unknown };
}

type LayoutOf<X> = X extends { createDomain(...args: never[]): { layout: infer L } } ? L : never;

/** A fresh Xen (64 MiB) with one 16 MiB domain built from `image`, paused at its entry. */
export function bootTestDomain<
  X extends BootableXen<D>,
  D extends { vcpus: readonly V[] },
  V extends { cpu: Cpu },
  T,
>(hv: TestHypervisor<X, D, V, T>, config: Partial<TestDomainConfig> = {}, image = minimalKernel()) {
  const traces: T[] = [];
  const consoleText: string[] = [];
  const xen = new hv.Xen(new PhysMemory(64 << 20), {
    trace: (t) => traces.push(t),
    console: (_d, bytes) => consoleText.push(String.fromCharCode(...bytes)),
  });
  const full = { name: 'test', memoryMiB: 16, cmdline: '', ...config };
  const built = xen.createDomain(image, full);
  const domain = built.domain;
  // The tree's own BootLayout type, whatever its chapter has in it.
  const layout = built.layout as LayoutOf<X>;
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
  const hypercall = (nr: number, args: number[] = [], v: V = vcpu) => {
    const c = v.cpu;
    c.reg32[EAX] = nr;
    [EBX, ECX, EDX, ESI, EDI, EBP].forEach((r, i) => {
      c.reg32[r] = args[i] ?? 0;
    });
    c.exitSoftware = true;
    c.exitVector = 0x82;
    c.exitHasErrorCode = false;
    hv.handleHostTrap(xen, v);
    return c.reg32[EAX]!;
  };
  return { xen, domain, layout, vcpu, cpu, traces, consoleText, poke, peek, peekString, hypercall };
}
