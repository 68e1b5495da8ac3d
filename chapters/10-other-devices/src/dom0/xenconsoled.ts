// Your working copy for chapter 10, generated from solutions/dom0/xenconsoled.ts by npx xenlab stage.
// The console back end, xenconsoled's job in domain 0: book §6.7; Xen tools/console/daemon/io.c
// (buffer_append, handle_ring_read), public/io/console.h, docs/xen-abi.md §10.
//
// Each guest has one console page, `xencons_interface`: two byte rings, `out` (guest → back
// end, 2048 bytes) and `in` (back end → guest, 1024 bytes), each with a consumer and a producer
// index. The guest produces on `out` and consumes on `in`; the back end does the opposite. The
// indices live in the guest's page, so the back end trusts none of them: indices that no honest
// guest can write close that domain's console with a message, and every other console goes on.
//
// The back end runs when the guest notifies it (`notify`, through the console's event channel)
// and when input is typed (`type`). Chapter 06 has no events for the guest yet: a guest waiting
// for room in `out` or for bytes in `in` polls, yielding the CPU between looks.

import type { PhysMemory } from '../../../../sim/host.ts';
import { XENCONS, XENCONS_IN_SIZE, XENCONS_OUT_SIZE } from '../xen/abi.ts';

/** An index difference, modulo 2^32 as XENCONS_RING_IDX arithmetic is. */
const idx = (value: number): number => value >>> 0;

/**
 * Takes every byte the guest has published in `out` (the ring at machine address `ring`): reads
 * both indices, checks them, copies the bytes in order from their masked slots, then publishes the
 * new out_cons so the guest may reuse the slots. Returns the bytes, or — when out_prod is further
 * ahead of out_cons than the ring is long — a message saying why the console must close.
 */
export function consoleDrainOut(mem: PhysMemory, ring: number): Uint8Array | string {
  const cons = mem.read32(ring + XENCONS.out_cons);
  const prod = mem.read32(ring + XENCONS.out_prod);
  const pending = idx(prod - cons);
  if (pending > XENCONS_OUT_SIZE) {
    return `out_prod - out_cons = ${pending}, more than the ${XENCONS_OUT_SIZE}-byte ring holds`;
  }
  // rmb: read the bytes only after the index that published them.
  const bytes = new Uint8Array(pending);
  for (let i = 0; i < pending; i++) {
    bytes[i] = mem.read8(ring + XENCONS.out + (idx(cons + i) & (XENCONS_OUT_SIZE - 1)));
  }
  // mb: the bytes are copied before the guest may overwrite their slots.
  mem.write32(ring + XENCONS.out_cons, prod);
  return bytes;
}

/**
 * Puts as many of `input` as there is room for into the guest's `in` ring and publishes them.
 * Returns how many went in, or why the console must close (indices no honest guest leaves).
 */
export function consoleFeedIn(
  mem: PhysMemory,
  ring: number,
  input: readonly number[],
): number | string {
  const cons = mem.read32(ring + XENCONS.in_cons);
  const prod = mem.read32(ring + XENCONS.in_prod);
  const used = idx(prod - cons);
  if (used > XENCONS_IN_SIZE) {
    return `in_prod - in_cons = ${used}, more than the ${XENCONS_IN_SIZE}-byte ring holds`;
  }
  const count = Math.min(input.length, XENCONS_IN_SIZE - used);
  for (let i = 0; i < count; i++) {
    mem.write8(ring + XENCONS.in + (idx(prod + i) & (XENCONS_IN_SIZE - 1)), input[i]!);
  }
  // wmb: the guest sees the bytes before the index that publishes them.
  mem.write32(ring + XENCONS.in_prod, idx(prod + count));
  return count;
}

/** One domain's console as the back end keeps it. */
interface ConsoleConnection {
  /** Machine address of the domain's xencons_interface page. */
  readonly ring: number;
  /** The domain's end of the console event channel (start_info.console.domU.evtchn). */
  readonly port: number;
  /** Everything drained from `out`, one char per byte. */
  output: string;
  /** Typed bytes that did not fit in `in` yet. */
  readonly input: number[];
  /** Why the console was closed, or null while it is open. */
  closed: string | null;
}

/** Who listens to the consoles: each domain's output as it is drained, and the daemon's log. */
export interface ConsoleListener {
  output?(domid: number, bytes: Uint8Array): void;
  log?(line: string): void;
}

export class Xenconsoled {
  readonly mem: PhysMemory;
  private readonly consoles = new Map<number, ConsoleConnection>();
  private readonly listeners: ConsoleListener[] = [];

  constructor(mem: PhysMemory) {
    this.mem = mem;
  }

  listen(listener: ConsoleListener): void {
    this.listeners.push(listener);
  }

  /** Starts serving domain `domid`'s console page (machine address `ring`) on `port`. */
  connect(domid: number, ring: number, port: number): void {
    this.consoles.set(domid, { ring, port, output: '', input: [], closed: null });
  }

  /** An event from domain `domid` on its port `port`: if it is the console's, serve the rings. */
  notify(domid: number, port: number): void {
    if (this.consoles.get(domid)?.port === port) this.service(domid);
  }

  /** Bytes typed at the domain's console: queued, and fed to its `in` ring as room allows. */
  type(domid: number, text: string): void {
    const c = this.consoles.get(domid);
    if (c === undefined || c.closed !== null) return;
    for (let i = 0; i < text.length; i++) c.input.push(text.charCodeAt(i) & 0xff);
    this.service(domid);
  }

  /** Everything the domain wrote to its console ring so far. */
  output(domid: number): string {
    return this.consoles.get(domid)?.output ?? '';
  }

  /** Why the domain's console was closed, or null. */
  closedReason(domid: number): string | null {
    return this.consoles.get(domid)?.closed ?? null;
  }

  /** Typed bytes still waiting for room in the domain's `in` ring. */
  pendingInput(domid: number): number {
    return this.consoles.get(domid)?.input.length ?? 0;
  }

  /** One pass over the domain's console: drain `out`, then feed `in`. Never throws for a guest. */
  service(domid: number): void {
    const c = this.consoles.get(domid);
    if (c === undefined || c.closed !== null) return;
    const bytes = consoleDrainOut(this.mem, c.ring);
    if (typeof bytes === 'string') {
      this.close(domid, c, bytes);
      return;
    }
    if (bytes.length > 0) {
      c.output += String.fromCharCode(...bytes);
      for (const l of this.listeners) l.output?.(domid, bytes);
    }
    if (c.input.length === 0) return;
    const fed = consoleFeedIn(this.mem, c.ring, c.input);
    if (typeof fed === 'string') this.close(domid, c, fed);
    else c.input.splice(0, fed);
  }

  private close(domid: number, c: ConsoleConnection, why: string): void {
    c.closed = why;
    for (const l of this.listeners) l.log?.(`console of domain ${domid} closed: ${why}`);
  }
}
