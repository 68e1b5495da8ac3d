// Fixtures for chapter 02's tests: a Xen with one bare domain whose vCPU 0 runs on page tables
// the test builds itself, so a hypercall handler or guest copy is graded without the domain
// builder's exercises. Values a test chooses come from its own seeded generator.

import {
  Cpu,
  CR0_PE,
  CR0_PG,
  CR0_WP,
  CR4_PAE,
  HostMode,
  PAGE_SIZE,
  PhysMemory,
  Prng,
  resetCpu,
  translateForHost,
} from '../../../sim/host.ts';
import { makeElf, num, str } from '../../testing/elf.ts';
import { _PAGE_PRESENT, _PAGE_RW, L1_PROT, L2_PROT, L3_PROT } from '../src/xen/abi.ts';
import { type BootLayout, type BuildConfig, planLayout } from '../src/xen/builder.ts';
import { Domain, type Vcpu } from '../src/xen/domain.ts';
import { guestParams, parseElf } from '../src/xen/elf.ts';
import { Heap } from '../src/xen/heap.ts';
import type { HypercallContext } from '../src/xen/hypercall.ts';
import {
  buildXenArea,
  XEN_AREA_L2_SLOT,
  type XenArea,
  xenAreaL2Entry,
} from '../src/xen/x86-desc.ts';
import { Xen } from '../src/xen/xen.ts';

export interface TestGuest {
  xen: Xen;
  domain: Domain;
  vcpu: Vcpu;
  cpu: Cpu;
  ctx: HypercallContext;
  /** Maps the page holding `va` to a fresh zeroed frame; returns the frame (mfn). */
  map(va: number, writable?: boolean): number;
  /** Writes bytes at a mapped guest virtual address (ignoring write protection). */
  poke(va: number, bytes: ArrayLike<number>): void;
  /** Reads bytes at a mapped guest virtual address. */
  peek(va: number, length: number): number[];
}

/**
 * A Xen and a domain `domid` with vCPU 0 in ring 1 on PAE page tables that map nothing yet, a
 * shared_info frame with vCPU 0's upcall mask set, and Xen's own area mapped in L3 slot 3
 * (supervisor, as the builder leaves it). `privileged` makes it a control domain.
 */
export function testGuest(domid = 1, privileged = false): TestGuest {
  const xen = new Xen(new PhysMemory(32 << 20));
  const heap = xen.heap;
  const frame = () => {
    const mfns = heap.alloc(1, domid);
    if (mfns === null) throw new Error('testGuest: out of memory');
    return mfns[0]!;
  };
  const domain = new Domain(domid, 'test', privileged, new Uint8Array(16));
  xen.domains.set(domid, domain);
  domain.sharedInfoMfn = frame();
  domain.xenFrames.push(domain.sharedInfoMfn);
  xen.mem.write8(domain.sharedInfoMfn * PAGE_SIZE + 1, 1);

  const cpu = new Cpu(xen.mem);
  resetCpu(cpu);
  cpu.hostMode = HostMode.Pv;
  cpu.cr0 = CR0_PE | CR0_PG | CR0_WP;
  cpu.cr4 = CR4_PAE;
  cpu.cpl = 1;
  const l3 = frame() * PAGE_SIZE;
  cpu.cr3 = l3;
  const vcpu: Vcpu = { id: 0, domain, cpu, online: true, blocked: false, yielded: false };
  domain.vcpus.push(vcpu);

  /** The table an entry points to, made on first use. */
  const table = (entryAddress: number, prot: number): number => {
    const entry = xen.mem.read32(entryAddress);
    if (entry & _PAGE_PRESENT) return entry & ~0xfff;
    const next = frame() * PAGE_SIZE;
    xen.mem.write32(entryAddress, next | prot);
    return next;
  };
  const l2For = (va: number) => table(l3 + (va >>> 30) * 8, L3_PROT);
  xen.mem.write32(l2For(0xc0000000) + XEN_AREA_L2_SLOT * 8, xenAreaL2Entry(xen.area));

  const map = (va: number, writable = true): number => {
    const l1 = table(l2For(va) + ((va >>> 21) & 511) * 8, L2_PROT);
    const mfn = frame();
    xen.mem.write32(
      l1 + ((va >>> 12) & 511) * 8,
      mfn * PAGE_SIZE + (writable ? L1_PROT : L1_PROT & ~_PAGE_RW),
    );
    return mfn;
  };
  const address = (va: number) => {
    const pa = translateForHost(cpu, va >>> 0, false);
    if (pa < 0) throw new Error(`test fixture: 0x${(va >>> 0).toString(16)} is not mapped`);
    return pa;
  };
  const poke = (va: number, bytes: ArrayLike<number>) => {
    for (let i = 0; i < bytes.length; i++) xen.mem.write8(address(va + i), bytes[i]!);
  };
  const peek = (va: number, length: number) =>
    Array.from({ length }, (_, i) => xen.mem.read8(address(va + i)));
  const ctx: HypercallContext = { xen, domain, vcpu };
  return { xen, domain, vcpu, cpu, ctx, map, poke, peek };
}

/** A page-aligned guest virtual address in [1 MiB, 3 GiB), drawn from `rng`. */
export function randomPageVa(rng: Prng): number {
  return (0x100 + rng.below(0xc0000 - 0x100)) * PAGE_SIZE;
}

/** `length` printable ASCII characters from `rng`. */
export function randomText(rng: Prng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(0x20 + rng.below(0x5f));
  return s;
}

/** `length` random bytes. */
export function randomBytes(rng: Prng, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.below(256);
  return out;
}

/** Bytes of a string of 8-bit characters. */
export function bytesOf(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0) & 0xff);
}

/** What the domain builder has done before its page-writing steps: a plan and the memory. */
export interface PlannedDomain {
  mem: PhysMemory;
  heap: Heap;
  area: XenArea;
  d: Domain;
  lay: BootLayout;
  cfg: BuildConfig;
}

/** What a planned domain may be asked to be; anything left out is drawn at random. */
export interface DomainShape {
  /** 0 (as Mini-OS) or 0xC0000000 (as Linux). */
  virtBase?: number;
  kernelPages?: number;
}

/**
 * Planned domains of every shape, so a value right for one layout only cannot pass: kernels
 * linked low and high, small ones (one L1 or two) and large ones (several L1s), sizes from `rng`.
 */
export function plannedDomains(rng: Prng): PlannedDomain[] {
  return [0, 0xc0000000].flatMap((virtBase) => [
    plannedDomain(rng, { virtBase, kernelPages: 3 + rng.below(700) }),
    plannedDomain(rng, { virtBase, kernelPages: 1100 + rng.below(2000) }),
  ]);
}

/**
 * A domain as buildDomain has it just before it writes tables and pages: a kernel of a random
 * size linked at 0 (as Mini-OS) or at 0xC0000000 (as Linux), planned with the builder's own
 * planLayout, its memory allocated in a shuffled order, and a random build configuration.
 */
export function plannedDomain(rng: Prng, shape: DomainShape = {}): PlannedDomain {
  const mem = new PhysMemory(80 << 20);
  const heap = new Heap(mem);
  const area = buildXenArea(heap);
  const virtBase = shape.virtBase ?? (rng.below(2) === 0 ? 0 : 0xc0000000);
  const kernelPages = shape.kernelPages ?? 3 + rng.below(700);
  const image = makeElf({
    entry: virtBase,
    segments: [
      { paddr: virtBase, data: new Uint8Array(2 * PAGE_SIZE), memsz: kernelPages * PAGE_SIZE },
    ],
    notes: [
      { name: 'Xen', type: 6, desc: str('xenlab-test') },
      { name: 'Xen', type: 8, desc: str('generic') },
      { name: 'Xen', type: 5, desc: str('xen-3.0') },
      { name: 'Xen', type: 9, desc: str('yes') },
      { name: 'Xen', type: 3, desc: num(virtBase) },
      { name: 'Xen', type: 4, desc: num(virtBase) },
      { name: 'Xen', type: 2, desc: num(virtBase + PAGE_SIZE) },
    ],
  });
  const domid = 1 + rng.below(200);
  const nrPages = 4096 + rng.below(12 * 1024);
  const d = new Domain(domid, 'test', false, new Uint8Array(16));
  const lay = planLayout(guestParams(parseElf(image)), nrPages);
  const frames = heap.alloc(nrPages, domid, new Prng(rng.nextU32()));
  const shared = heap.alloc(1 + rng.below(8), domid);
  if (frames === null || shared === null) throw new Error('plannedDomain: out of memory');
  d.p2m = frames;
  d.sharedInfoMfn = shared[shared.length - 1]!;
  d.xenFrames.push(...shared);
  const cfg: BuildConfig = {
    nrPages,
    cmdline: randomText(rng, rng.below(300)),
    flags: rng.below(4),
    storeEvtchn: 1 + rng.below(1023),
    consoleEvtchn: 1 + rng.below(1023),
    shuffle: null,
  };
  return { mem, heap, area, d, lay, cfg };
}
