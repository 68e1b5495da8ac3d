// Your working copy for chapter 09, generated from solutions/dom0/blkback.ts by npx xenlab stage.
// The block back end in domain 0: a guest's virtual disk served from a disk image over blkif:
// book §9.1; Linux drivers/block/xen-blkback (blkback.c: dispatch_rw_block_io,
// __do_block_io_op, make_response; xenbus.c: connect_ring, xen_blkbk_probe), docs/xen-abi.md
// §11.2, §12.1.
//
// For each vbd the toolstack configured, XenBus (xenbus.ts) calls `probe`, which publishes the
// disk's size and features, and `connect` once the front end has written its ring's grant
// reference and event channel: the back end maps the ring page, binds the channel and from then
// on serves the ring whenever the front end notifies it. Data moves by grant copy: each segment
// of a request names a granted page of the guest, and Xen copies between it and domain 0's
// buffer, so the back end touches no guest memory the guest did not grant it — the ring page
// itself is a grant mapping.
//
// Requests are copied out of the ring once and checked before anything is done: a front end
// that names sectors past the disk's end, a segment whose sectors run backwards or off its page,
// too many segments, or a grant Xen refuses gets BLKIF_RSP_ERROR for that request, and the
// disk, the back end and every other guest carry on.

import { NotImplemented } from '../exercise.ts';
import { SRING } from '../xen/abi.ts';
import type { Xen } from '../xen/xen.ts';
import {
  BLKIF_MAX_SEGMENTS_PER_REQUEST,
  BLKIF_OP_DISCARD,
  BLKIF_OP_FLUSH_DISKCACHE,
  BLKIF_OP_READ,
  BLKIF_OP_WRITE,
  BLKIF_OP_WRITE_BARRIER,
  BLKIF_RING_ENTRY_SIZE,
  BLKIF_RSP_EOPNOTSUPP,
  BLKIF_RSP_ERROR,
  BLKIF_RSP_OKAY,
  type BlkifRequest,
  readRequest,
  SECTOR_SIZE,
  SECTORS_PER_PAGE,
  writeResponse,
  XEN_IO_PROTO_ABI_X86_32,
} from './blkif.ts';
import type { Disk } from './disk.ts';
import { evtchnDevice } from './evtchn.ts';
import { type GrantMapping, gntdev } from './gntdev.ts';
import {
  type BackRing,
  backRingInit,
  ringFinalCheckForRequests,
  ringPushResponsesAndCheckNotify,
  ringRequestProdOverflow,
  ringSlot,
  ringUnconsumedRequests,
} from './ring.ts';
import {
  type BackendDevice,
  type BackendDriver,
  type DeviceId,
  frontNumber,
  XenbusBackend,
} from './xenbus.ts';
import { XsClient } from './xenstored/client.ts';
import type { Xenstored } from './xenstored/xenstored.ts';

/** public/io/blkif.h's `info` bits. */
export const VDISK_CDROM = 0x1;
export const VDISK_REMOVABLE = 0x2;
export const VDISK_READONLY = 0x4;

/** How a request reaches the guest's granted pages: grant copies, by reference (gntdev.ts). */
export interface SegmentIo {
  /** `len` bytes at `offset` of the granted page `gref`; a GNTST_* status (negative) if refused. */
  copyFrom(gref: number, offset: number, len: number): Uint8Array | number;
  /** Writes `bytes` at `offset` of the granted page `gref`; the GNTST_* status. */
  copyTo(gref: number, offset: number, bytes: Uint8Array): number;
}

/**
 * dispatch_rw_block_io: a read or a write. The segments are consecutive on the disk from
 * `req.sectorNumber` on; segment i covers sectors firstSect…lastSect of its page. Everything is
 * checked before the disk or a guest page is touched: 1 to 11 segments, first ≤ last ≤ 7 in
 * each, the whole run inside the disk, no write to a read-only disk. A write fetches every
 * segment before it writes, so a refused grant leaves the disk as it was. Returns the status.
 */
export function blkifReadWrite(io: SegmentIo, disk: Disk, req: BlkifRequest): number {
  throw new NotImplemented('09-blkback-rw', '9.1.2');
}

/** BLKIF_OP_DISCARD: the sectors' contents may go; here they read as zeros afterwards. */
function blkifDiscard(disk: Disk, req: BlkifRequest): number {
  if (disk.readOnly || req.sectorNumber + req.nrSectors > disk.sectors) return BLKIF_RSP_ERROR;
  for (let done = 0; done < req.nrSectors; done += SECTORS_PER_PAGE) {
    const count = Math.min(SECTORS_PER_PAGE, req.nrSectors - done);
    disk.write(req.sectorNumber + done, new Uint8Array(count * SECTOR_SIZE));
  }
  return BLKIF_RSP_OKAY;
}

/**
 * One request, by operation: a barrier write flushes what came before, then writes (a barrier
 * with no segments is a flush); a flush makes completed writes durable. Indirect requests are
 * not offered (no feature-max-indirect-segments), so they get BLKIF_RSP_EOPNOTSUPP, as does any
 * operation this back end does not know.
 */
export function blkifDispatch(io: SegmentIo, disk: Disk, req: BlkifRequest): number {
  switch (req.operation) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
      return blkifReadWrite(io, disk, req);
    case BLKIF_OP_WRITE_BARRIER:
      disk.flush();
      return req.nrSegments === 0 ? BLKIF_RSP_OKAY : blkifReadWrite(io, disk, req);
    case BLKIF_OP_FLUSH_DISKCACHE:
      disk.flush();
      return BLKIF_RSP_OKAY;
    case BLKIF_OP_DISCARD:
      return blkifDiscard(disk, req);
    default:
      return BLKIF_RSP_EOPNOTSUPP;
  }
}

/** A connected vbd: its ring, its channel and the disk behind it. */
export interface BlkifConnection {
  readonly id: DeviceId;
  readonly disk: Disk;
  readonly ring: BackRing;
  readonly mapping: GrantMapping;
  /** Domain 0's end of the device's event channel. */
  port: number;
  readonly io: SegmentIo;
  /** Requests served, and how many of them failed. */
  served: number;
  errors: number;
  /** Why the connection stopped serving (a front end that broke the ring), or null. */
  broken: string | null;
}

/** The block back end: one per domain 0, serving every vbd the toolstack attaches. */
export class Blkback implements BackendDriver<BlkifConnection> {
  readonly type = 'vbd';
  readonly xen: Xen;
  readonly bus: XenbusBackend<BlkifConnection>;
  /** The disk behind each device, by its backend path, as the toolstack's `params` names it. */
  private readonly disks: Map<string, Disk>;
  /** Front ends that broke their rings. */
  readonly log: string[] = [];

  /**
   * Starts a back end with its own connection to `xenstored`; `disks` is shared with the
   * toolstack (and with a back end started again after this one stops).
   */
  constructor(xen: Xen, xenstored: Xenstored, disks: Map<string, Disk>) {
    this.xen = xen;
    this.disks = disks;
    this.bus = new XenbusBackend(new XsClient(xenstored), this);
  }

  probe(xs: XsClient, dev: BackendDevice<BlkifConnection>): void {
    const disk = this.disks.get(dev.backend);
    if (disk === undefined) return;
    const info = disk.readOnly ? VDISK_READONLY : 0;
    for (const [key, value] of [
      ['sectors', String(disk.sectors)],
      ['sector-size', String(SECTOR_SIZE)],
      ['physical-sector-size', String(SECTOR_SIZE)],
      ['info', String(info)],
      ['feature-flush-cache', '1'],
      ['feature-barrier', '1'],
      ['feature-discard', '1'],
      ['discard-granularity', String(SECTOR_SIZE)],
    ]) {
      xs.write(`${dev.backend}/${key}`, value!);
    }
  }

  /**
   * connect_ring: the front end's ring-ref, event-channel and protocol; the ring page mapped
   * through its grant, the channel bound, and whatever requests wait on the ring served. A back
   * end taking over a ring (a restart) starts where the responses stopped.
   */
  connect(xs: XsClient, dev: BackendDevice<BlkifConnection>): BlkifConnection | string {
    const disk = this.disks.get(dev.backend);
    if (disk === undefined) return `no disk configured for ${dev.backend}`;
    const ringRef = frontNumber(xs, dev, 'ring-ref');
    if (typeof ringRef === 'string') return ringRef;
    const evtchn = frontNumber(xs, dev, 'event-channel');
    if (typeof evtchn === 'string') return evtchn;
    const protocol = xs.tryRead(`${dev.frontend}/protocol`) ?? XEN_IO_PROTO_ABI_X86_32;
    if (protocol !== XEN_IO_PROTO_ABI_X86_32) return `unsupported protocol ${protocol}`;
    const domid = dev.id.domid;
    const grants = gntdev(this.xen);
    const mapping = grants.map(domid, ringRef);
    if (typeof mapping === 'number') {
      return `mapping ring-ref ${ringRef} of domain ${domid}: GNTST ${mapping}`;
    }
    const ring = backRingInit(this.xen.mem, mapping.address, BLKIF_RING_ENTRY_SIZE);
    ring.reqCons = ring.rspProdPvt = this.xen.mem.read32(mapping.address + SRING.rsp_prod);
    const io: SegmentIo = {
      copyFrom: (gref, offset, len) => grants.copyFrom(domid, gref, offset, len),
      copyTo: (gref, offset, bytes) => grants.copyTo(domid, gref, offset, bytes),
    };
    const conn: BlkifConnection = {
      id: dev.id,
      disk,
      ring,
      mapping,
      port: 0,
      io,
      served: 0,
      errors: 0,
      broken: null,
    };
    try {
      conn.port = evtchnDevice(this.xen).bindInterdomain(domid, evtchn, () => this.serve(conn));
    } catch (e) {
      grants.unmap(mapping);
      return `binding event-channel ${evtchn} of domain ${domid}: ${(e as Error).message}`;
    }
    this.serve(conn);
    return conn;
  }

  /** xen_blkif_disconnect: every request already on the ring is answered first. */
  disconnect(conn: BlkifConnection): void {
    this.serve(conn);
    try {
      evtchnDevice(this.xen).unbind(conn.port);
    } catch {
      // The guest is gone and its end of the channel with it.
    }
    gntdev(this.xen).unmap(conn.mapping);
    conn.broken ??= 'disconnected';
  }

  /**
   * __do_block_io_op: every request published on the ring, in order, each answered in a
   * response slot; responses pushed, the front end notified if it asked, and the final check
   * before the back end sleeps. A req_prod no honest front end could publish breaks the
   * connection (the back end stops serving it) and nothing else.
   */
  serve(conn: BlkifConnection): void {
    const { ring } = conn;
    const mem = this.xen.mem;
    if (conn.broken !== null) return;
    do {
      if (ringRequestProdOverflow(ring, mem.read32(ring.sring + SRING.req_prod))) {
        conn.broken = `domain ${conn.id.domid} published req_prod past the ring's responses`;
        this.log.push(conn.broken);
        return;
      }
      let pending = ringUnconsumedRequests(ring);
      while (pending-- > 0) {
        const req = readRequest(mem, ringSlot(ring, ring.reqCons));
        ring.reqCons++;
        const status = blkifDispatch(conn.io, conn.disk, req);
        writeResponse(mem, ringSlot(ring, ring.rspProdPvt), req, status);
        ring.rspProdPvt++;
        conn.served++;
        if (status !== BLKIF_RSP_OKAY) conn.errors++;
      }
      if (ringPushResponsesAndCheckNotify(ring)) evtchnDevice(this.xen).notify(conn.port);
    } while (ringFinalCheckForRequests(ring));
  }

  /** Takes the XenBus events that came in (domain 0's turn between the guests' slices). */
  poll(): void {
    this.bus.poll();
  }

  /** The back end dies: rings and channels let go of, XenStore left for the next one. */
  stop(): void {
    this.bus.stop();
  }
}

/** A vbd's number in the guest: xvdX is major 202, minor 16 per disk (xen-vbd-interface.txt). */
export function xvdNumber(vdev: string): number {
  const m = /^xvd([a-z])$/.exec(vdev);
  if (m === null) throw new Error(`virtual device ${vdev}: only xvda … xvdz are known here`);
  return (202 << 8) | ((m[1]!.charCodeAt(0) - 97) << 4);
}

/** The entries libxl writes for a disk (libxl_disk.c, libxl__device_disk_setdefault and add). */
export function vbdEntries(disk: Disk, vdev: string, params: string) {
  const mode = disk.readOnly ? 'r' : 'w';
  return {
    front: [
      ['virtual-device', String(xvdNumber(vdev))],
      ['device-type', 'disk'],
    ] as [string, string][],
    back: [
      ['params', params],
      ['type', 'phy'],
      ['mode', mode],
      ['dev', vdev],
      ['removable', '0'],
      ['bootable', '1'],
      ['device-type', 'disk'],
    ] as [string, string][],
  };
}
