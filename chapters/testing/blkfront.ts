// A block front end written in the test, acting for a guest that does not run: it grants the
// guest's pages, lays blkif requests into a shared ring and reads the responses, with the wire
// format written out here from Xen's public/io/blkif.h and io/ring.h (x86_32), not taken from the
// tree under test — so a back end that lays a response out wrongly fails. The tree provides
// only what a guest kernel would get from Xen: its grant-table frames, event channels, XenStore.

import type { PhysMemory } from '../../sim/host.ts';
import {
  endAccess,
  grantAccess,
  PAGE,
  REQ_PROD,
  RING,
  RSP_PROD,
  sharedRingInit,
} from './front-end.ts';

/** blkif.h on x86_32: a 108-byte request slot; 32 fit a page. */
const SLOT = 108;
const RING_SIZE = 32;
/** The first grant reference a guest may use (GNTTAB_NR_RESERVED_ENTRIES). */
const FIRST_REF = 8;

export const BLKIF_OP_READ = 0;
export const BLKIF_OP_WRITE = 1;
export const BLKIF_OP_WRITE_BARRIER = 2;
export const BLKIF_OP_FLUSH_DISKCACHE = 3;
export const BLKIF_OP_DISCARD = 5;
export const BLKIF_OP_INDIRECT = 6;
export const BLKIF_RSP_OKAY = 0;
export const BLKIF_RSP_ERROR = -1;
export const BLKIF_RSP_EOPNOTSUPP = -2;
export const XENBUS_INITIALISED = 3;
export const XENBUS_CONNECTED = 4;
export const XENBUS_CLOSING = 5;
export const XENBUS_CLOSED = 6;

/** What a guest kernel has to drive a vbd: the test builds it from the tree it grades. */
export interface BlkGuest {
  readonly mem: PhysMemory;
  readonly domid: number;
  /** Machine frames of the guest's grant table (as GNTTABOP_setup_table listed them). */
  readonly grantFrames: readonly number[];
  /** Machine frames of the guest's own the front end may use as its pages. */
  readonly pages: readonly number[];
  /** XenStore as the guest sees it (its own connection). */
  read(path: string): string | undefined;
  write(path: string, value: string): void;
  /** EVTCHNOP_alloc_unbound for domain 0, as the guest; the port. */
  allocPort(): number;
  /** EVTCHNOP_send on the guest's port. */
  send(port: number): void;
  /** Lets domain 0 take its turn (its services and its events). */
  dom0Turn(): void;
}

export interface Segment {
  gref: number;
  first: number;
  last: number;
}

export interface Request {
  op: number;
  id: number;
  sector: number;
  segments: Segment[];
  /** Written as nr_segments instead of segments.length (a front end that lies). */
  nrSegments?: number;
  /** BLKIF_OP_DISCARD: the run's length. */
  nrSectors?: number;
}

export interface Response {
  id: number;
  idHi: number;
  op: number;
  status: number;
}

export class TestBlkfront {
  readonly g: BlkGuest;
  readonly dir: string;
  /** The ring page's frame, and its grant. */
  readonly ringFrame: number;
  ringRef = 0;
  port = 0;
  private nextRef = FIRST_REF;
  private nextPage = 0;
  reqProdPvt = 0;
  rspCons = 0;

  /** The front end of the vbd whose directory is `dir` (/local/domain/D/device/vbd/N). */
  constructor(g: BlkGuest, dir: string) {
    this.g = g;
    this.dir = dir;
    this.ringFrame = this.page();
  }

  /** A fresh page of the guest's, zeroed. */
  page(): number {
    const frame = this.g.pages[this.nextPage++];
    if (frame === undefined) throw new Error('TestBlkfront: out of guest pages');
    this.g.mem.fill(frame * PAGE, PAGE, 0);
    return frame;
  }

  /** Grants `frame` to `domid` (domain 0 unless said), read-only or not; the reference. */
  grant(frame: number, readonly = false, domid = 0): number {
    const ref = this.nextRef++;
    grantAccess(this.g.mem, this.g.grantFrames, ref, frame, domid, readonly);
    return ref;
  }

  /** Takes a grant back (the flags cleared), as gnttab_end_foreign_access does. */
  revoke(ref: number): void {
    endAccess(this.g.mem, this.g.grantFrames, ref);
  }

  /**
   * The front end's side of the handshake: ring initialised and granted, a channel, both in
   * XenStore, Initialised; domain 0 takes its turn; Connected if the back end is.
   */
  connect(): number {
    sharedRingInit(this.g.mem, this.ringFrame * PAGE);
    this.ringRef = this.grant(this.ringFrame);
    this.port = this.g.allocPort();
    this.g.write(`${this.dir}/ring-ref`, String(this.ringRef));
    this.g.write(`${this.dir}/event-channel`, String(this.port));
    this.g.write(`${this.dir}/protocol`, 'x86_32-abi');
    this.g.write(`${this.dir}/state`, String(XENBUS_INITIALISED));
    this.g.dom0Turn();
    const back = this.backState();
    if (back === XENBUS_CONNECTED) this.g.write(`${this.dir}/state`, String(XENBUS_CONNECTED));
    return back;
  }

  backState(): number {
    const backend = this.g.read(`${this.dir}/backend`);
    return Number(this.g.read(`${backend}/state`) ?? 0);
  }

  setState(state: number): void {
    this.g.write(`${this.dir}/state`, String(state));
  }

  /** Lays `req` in the next slot (not yet published). */
  put(req: Request): void {
    const slot = this.ringFrame * PAGE + RING + (this.reqProdPvt % RING_SIZE) * SLOT;
    const mem = this.g.mem;
    mem.fill(slot, SLOT, 0);
    mem.write8(slot, req.op);
    mem.write8(slot + 1, req.nrSegments ?? req.segments.length);
    mem.write16(slot + 2, 0);
    mem.write32(slot + 4, req.id);
    mem.write32(slot + 8, 0);
    mem.write32(slot + 12, req.sector >>> 0);
    mem.write32(slot + 16, Math.floor(req.sector / 2 ** 32));
    if (req.op === BLKIF_OP_DISCARD) {
      mem.write32(slot + 20, req.nrSectors ?? 0);
    } else {
      req.segments.forEach((s, i) => {
        mem.write32(slot + 20 + i * 8, s.gref);
        mem.write8(slot + 24 + i * 8, s.first);
        mem.write8(slot + 25 + i * 8, s.last);
      });
    }
    this.reqProdPvt++;
  }

  /** Publishes every request put so far, and notifies the back end. */
  push(): void {
    this.g.mem.write32(this.ringFrame * PAGE + REQ_PROD, this.reqProdPvt >>> 0);
    this.g.send(this.port);
  }

  /** Publishes a raw req_prod (a front end that lies about its ring), and notifies. */
  pushRaw(reqProd: number): void {
    this.g.mem.write32(this.ringFrame * PAGE + REQ_PROD, reqProd >>> 0);
    this.g.send(this.port);
  }

  /** Every response published and not yet taken. */
  responses(): Response[] {
    const mem = this.g.mem;
    const prod = mem.read32(this.ringFrame * PAGE + RSP_PROD) >>> 0;
    const out: Response[] = [];
    while (this.rspCons !== prod) {
      const slot = this.ringFrame * PAGE + RING + (this.rspCons % RING_SIZE) * SLOT;
      out.push({
        id: mem.read32(slot) >>> 0,
        idHi: mem.read32(slot + 4) >>> 0,
        op: mem.read8(slot + 8),
        status: (mem.read16(slot + 10) << 16) >> 16,
      });
      this.rspCons = (this.rspCons + 1) >>> 0;
    }
    return out;
  }

  /** Sends `reqs` (at most a ring's worth), lets domain 0 serve them, returns the responses. */
  exchange(reqs: Request[]): Response[] {
    for (const r of reqs) this.put(r);
    this.push();
    this.g.dom0Turn();
    return this.responses();
  }
}
