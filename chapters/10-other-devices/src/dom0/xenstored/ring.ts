// Your working copy for chapter 10, generated from solutions/dom0/xenstored/ring.ts by npx xenlab stage.
// A guest's XenStore ring: xenstore_domain_interface in the page start_info.store_mfn names:
// book §8.3, §8.4.2; Xen public/io/xs_wire.h, tools/xenstored/domain.c (readchn, writechn).
//
// Two byte rings of XENSTORE_RING_SIZE in one page: `req`, which the guest produces and
// xenstored consumes, and `rsp`, the other way round, each with free-running 32-bit consumer and
// producer indices. Messages are just bytes in them — a message may wrap, or arrive in pieces.
// The page is the guest's, so xenstored trusts none of it: a producer more than a ring ahead of
// its consumer is a broken guest, whose connection is dropped; every other guest goes on.

import type { PhysMemory } from '../../../../../sim/host.ts';
import type { Transport } from './connection.ts';

export const XENSTORE_RING_SIZE = 1024;

/** Offsets in struct xenstore_domain_interface. */
export const XENSTORE_INTERFACE = {
  req: 0,
  rsp: 1024,
  req_cons: 2048,
  req_prod: 2052,
  rsp_cons: 2056,
  rsp_prod: 2060,
  server_features: 2064,
  connection: 2068,
} as const;

const idx = (value: number) => value >>> 0;
const mask = (value: number) => value & (XENSTORE_RING_SIZE - 1);

/** xenstored's end of one guest's ring: replies queue here until the ring has room. */
export class RingTransport implements Transport {
  private readonly mem: PhysMemory;
  /** Machine address of the interface page. */
  readonly ring: number;
  /** Tells the guest to look (an event on its store channel). */
  private readonly kick: () => void;
  private readonly queue: Uint8Array[] = [];
  /** Bytes of queue[0] already in the ring. */
  private sent = 0;
  closed = false;

  constructor(mem: PhysMemory, ring: number, kick: () => void) {
    this.mem = mem;
    this.ring = ring;
    this.kick = kick;
  }

  send(bytes: Uint8Array): void {
    this.queue.push(bytes);
  }

  backlog(): number {
    return this.queue.length;
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  /**
   * Takes every byte the guest has produced in `req` (readchn): both indices read, checked,
   * the bytes copied from their masked slots, then req_cons published. Undefined when the
   * indices are impossible.
   */
  takeRequests(): Uint8Array | undefined {
    const { mem, ring } = this;
    const cons = mem.read32(ring + XENSTORE_INTERFACE.req_cons);
    const prod = mem.read32(ring + XENSTORE_INTERFACE.req_prod);
    const pending = idx(prod - cons);
    if (pending > XENSTORE_RING_SIZE) return undefined;
    const bytes = new Uint8Array(pending);
    for (let i = 0; i < pending; i++) {
      bytes[i] = mem.read8(ring + XENSTORE_INTERFACE.req + mask(cons + i));
    }
    if (pending > 0) {
      mem.write32(ring + XENSTORE_INTERFACE.req_cons, prod);
      this.kick();
    }
    return bytes;
  }

  /**
   * Writes as much of the queued replies as `rsp` has room for (writechn), publishes rsp_prod
   * and notifies the guest if anything went in. False when the indices are impossible.
   */
  flush(): boolean {
    const { mem, ring } = this;
    const cons = mem.read32(ring + XENSTORE_INTERFACE.rsp_cons);
    const prod = mem.read32(ring + XENSTORE_INTERFACE.rsp_prod);
    const used = idx(prod - cons);
    if (used > XENSTORE_RING_SIZE) return false;
    let room = XENSTORE_RING_SIZE - used;
    let at = prod;
    while (room > 0 && this.queue.length > 0) {
      const msg = this.queue[0]!;
      const n = Math.min(room, msg.length - this.sent);
      for (let i = 0; i < n; i++) {
        mem.write8(ring + XENSTORE_INTERFACE.rsp + mask(at + i), msg[this.sent + i]!);
      }
      at = idx(at + n);
      room -= n;
      this.sent += n;
      if (this.sent === msg.length) {
        this.queue.shift();
        this.sent = 0;
      }
    }
    if (at !== prod) {
      mem.write32(ring + XENSTORE_INTERFACE.rsp_prod, at);
      this.kick();
    }
    return true;
  }
}
