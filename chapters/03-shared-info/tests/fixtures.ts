// Fixtures for chapter 03's tests: a memory that lets a test stand in for a reader on another
// pCPU between any two of Xen's stores, the check such a reader makes, and guests booted and
// switched at instruction boundaries drawn from the seed.

import { PhysMemory, type Prng } from '../../../sim/host.ts';
import { guestSources } from '../../testing/index.ts';
import { Toolstack } from '../src/dom0/toolstack.ts';
import { buildGuest } from '../src/guests/index.ts';
import type { Domain } from '../src/xen/domain.ts';
import { runDomains } from '../src/xen/schedule.ts';
import { getSTime } from '../src/xen/time.ts';
import { Xen } from '../src/xen/xen.ts';

/**
 * Machine memory that calls `onStore` after every store Xen makes: each write8, write16 or
 * write32 is one store (as an aligned store is on x86), never interrupted; writeBytes and fill
 * store byte by byte.
 */
export class WatchedMemory extends PhysMemory {
  onStore: (address: number) => void = () => {};
  private depth = 0;

  private store(address: number, write: () => void): void {
    this.depth++;
    try {
      write();
    } finally {
      this.depth--;
    }
    if (this.depth === 0) this.onStore(address);
  }

  override write8(addr: number, value: number): void {
    this.store(addr, () => super.write8(addr, value));
  }

  override write16(addr: number, value: number): void {
    this.store(addr, () => super.write16(addr, value));
  }

  override write32(addr: number, value: number): void {
    this.store(addr, () => super.write32(addr, value));
  }

  /** A copy is a store per byte, as a memcpy's may be seen from another CPU. */
  override writeBytes(addr: number, bytes: Uint8Array | readonly number[]): void {
    for (let i = 0; i < bytes.length; i++) this.write8(addr + i, bytes[i]!);
  }

  override fill(addr: number, length: number, value: number): void {
    for (let i = 0; i < length; i++) this.write8(addr + i, value);
  }
}

/** The bytes of [address, address + length) after each store into that range, in order. */
export function recordStores(mem: WatchedMemory, address: number, length: number): Uint8Array[] {
  const snapshots = [mem.readBytes(address, length)];
  mem.onStore = (a) => {
    if (a >= address && a < address + length) snapshots.push(mem.readBytes(address, length));
  };
  return snapshots;
}

const u32 = (b: Uint8Array, offset: number) =>
  (b[offset]! | (b[offset + 1]! << 8) | (b[offset + 2]! << 16) | (b[offset + 3]! << 24)) >>> 0;
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/**
 * What a reader on another pCPU could accept while the snapshots were written: it reads the
 * version (at 4-byte `versionOffset`) at snapshot i, each other byte at some snapshot j ≥ i,
 * the version again at k ≥ j, and keeps the copy when both versions are equal and even. Returns
 * a description of the first copy that mixes two records, or undefined when none can.
 */
export function tornRead(snapshots: Uint8Array[], versionOffset: number): string | undefined {
  const isVersion = (byte: number) => byte >= versionOffset && byte < versionOffset + 4;
  for (let i = 0; i < snapshots.length; i++) {
    const version = u32(snapshots[i]!, versionOffset);
    if (version % 2 !== 0) continue;
    for (let k = i; k < snapshots.length; k++) {
      if (u32(snapshots[k]!, versionOffset) !== version) continue;
      // Accepted: every byte it may have read between i and k must be the one it saw at i.
      for (let j = i + 1; j <= k; j++) {
        const at = snapshots[j]!.findIndex((b, n) => !isVersion(n) && b !== snapshots[i]![n]);
        if (at >= 0) {
          return (
            `a reader that saw version ${version} before and after copying accepted ` +
            `${hex(snapshots[j]!)}, which differs from the record it started on ` +
            `(${hex(snapshots[i]!)}) at byte ${at}: store ${j} of ${snapshots.length - 1} ` +
            'changed a field while the version was even'
          );
        }
      }
    }
  }
  return undefined;
}

/** One console_io write of a domain, with Xen's system time when it arrived. */
export interface ConsoleWrite {
  domid: number;
  text: string;
  stime: number;
  /** Xen's time of day then, in ns since 1970: the wall clock plus system time. */
  timeOfDay: bigint;
}

export interface TimeWorld {
  xen: Xen;
  toolstack: Toolstack;
  writes: ConsoleWrite[];
  /** Builds guest `main` (e.g. `timeloop.asm`) from the graded tree and starts it. */
  start(main: string, name?: string): Domain;
  /** All a domain wrote. */
  console(d: Domain): string;
  /** What a domain printed and, if it crashed, Xen's report: for failure messages. */
  story(d: Domain): string;
}

/** A Xen whose console writes are stamped with system time, and a toolstack. */
export function timeWorld(testUrl: string): TimeWorld {
  const writes: ConsoleWrite[] = [];
  const xen: Xen = new Xen(new PhysMemory(96 << 20), {
    console: (d, bytes) => {
      const stime = getSTime(xen.time);
      const wc = BigInt(xen.time.wcSec) * 1_000_000_000n + BigInt(xen.time.wcNsec);
      writes.push({
        domid: d.domid,
        text: String.fromCharCode(...bytes),
        stime,
        timeOfDay: wc + BigInt(stime),
      });
    },
  });
  const toolstack = new Toolstack(xen);
  const sources = guestSources(testUrl);
  const start = (main: string, name = main.replace(/\.asm$/, '')) => {
    const d = toolstack.create(buildGuest(main, sources), { name, memoryMiB: 8, cmdline: '' });
    toolstack.start(d);
    return d;
  };
  const story = (d: Domain) => {
    const printed = `it printed ${JSON.stringify(toolstack.console(d))}`;
    const from = xen.logLines.findIndex(
      (l) => l.startsWith(`domain ${d.domid} (`) && /crashed/.test(l),
    );
    if (from < 0) return printed;
    const end = xen.logLines.findIndex((l, i) => i > from && l.startsWith(`domain ${d.domid} (`));
    return `${printed}; Xen's log:\n${xen.logLines.slice(from, end < 0 ? undefined : end).join('\n')}`;
  };
  return { xen, toolstack, writes, start, console: (d) => toolstack.console(d), story };
}

/**
 * Runs `domains` in bursts of 1…`maxBurst` instructions, each burst given to one of them
 * drawn from `rng` (the others paused), until all have shut down or `fuel` is spent. Each
 * switch to another vCPU is a context switch in Xen: the preemption points come from the seed.
 */
export function runSwitchedAtRandom(
  toolstack: Toolstack,
  domains: Domain[],
  rng: Prng,
  fuel: number,
  maxBurst = 200,
): void {
  let spent = 0;
  for (;;) {
    const live = domains.filter((d) => d.shutdownReason < 0);
    if (live.length === 0 || spent >= fuel) return;
    const chosen = live[rng.below(live.length)]!;
    for (const d of live) if (d !== chosen) toolstack.pause(d);
    spent += Math.max(1, runDomains(toolstack.xen, 1 + rng.below(maxBurst)).instructions);
    for (const d of live) if (d !== chosen) toolstack.unpause(d);
  }
}
