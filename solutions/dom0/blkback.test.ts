// The block back end against a front end written in the test (chapters/testing/blkfront.ts):
// the XenBus handshake under Xen's paths, seeded reads and writes checked against a model disk,
// bad requests refused without harm, hot-unplug, a back end that restarts (book §9.1).
import { describe, expect, it } from 'vitest';
import {
  BLKIF_OP_DISCARD,
  BLKIF_OP_FLUSH_DISKCACHE,
  BLKIF_OP_INDIRECT,
  BLKIF_OP_READ,
  BLKIF_OP_WRITE,
  BLKIF_RSP_EOPNOTSUPP,
  BLKIF_RSP_ERROR,
  BLKIF_RSP_OKAY,
  type BlkGuest,
  type Request,
  TestBlkfront,
  XENBUS_CLOSED,
  XENBUS_CLOSING,
  XENBUS_CONNECTED,
} from '../../chapters/testing/blkfront.ts';
import { PAGE_SIZE, PhysMemory, Prng } from '../../sim/host.ts';
import { DOMID_SELF } from '../xen/abi.ts';
import type { Domain } from '../xen/domain.ts';
import { evtchnAllocUnbound, evtchnSend } from '../xen/event-channel.ts';
import { runDomains } from '../xen/schedule.ts';
import { minimalKernel } from '../xen/testing/boot.ts';
import { Xen } from '../xen/xen.ts';
import { BLKIF_REQUEST, BLKIF_RESPONSE, BLKIF_RING_ENTRY_SIZE } from './blkif.ts';
import { MemoryDisk } from './disk.ts';
import { mapGrantTable } from './grant-table-setup.ts';
import { ringSize } from './ring.ts';
import { Toolstack } from './toolstack.ts';
import { XenbusState } from './xenbus.ts';
import { XsClient } from './xenstored/client.ts';

const SECTORS = 256;

/** A Xen, a toolstack and `n` guests that do not run, each with a grant table and a disk. */
function world(n = 1) {
  const xen = new Xen(new PhysMemory(96 << 20));
  const ts = new Toolstack(xen);
  const guests = Array.from({ length: n }, (_, i) => {
    const d = ts.create(minimalKernel(), { name: `front${i}`, memoryMiB: 16, cmdline: '' });
    const grantFrames = mapGrantTable(xen, d);
    const disk = new MemoryDisk(SECTORS);
    const rng = new Prng(100 + i);
    for (let b = 0; b < disk.bytes.length; b++) disk.bytes[b] = rng.nextU32() & 0xff;
    const id = ts.attachDisk(d, disk);
    const g = blkGuest(xen, ts, d, grantFrames);
    const front = new TestBlkfront(g, `/local/domain/${d.domid}/device/vbd/${id.devid}`);
    return { d, disk, id, front, model: disk.bytes.slice() };
  });
  return { xen, ts, guests };
}

function blkGuest(xen: Xen, ts: Toolstack, d: Domain, grantFrames: number[]): BlkGuest {
  const xs = new XsClient(ts.xenstored, d.domid);
  return {
    mem: xen.mem,
    domid: d.domid,
    grantFrames,
    pages: d.p2m.slice(-48),
    read: (path) => xs.tryRead(path),
    write: (path, value) => xs.write(path, value),
    allocPort: () => evtchnAllocUnbound(xen, d, DOMID_SELF, 0),
    send: (port) => {
      evtchnSend(xen, d, port);
    },
    dom0Turn: () => {
      runDomains(xen, 1);
    },
  };
}

describe('blkif layout (public/io/blkif.h, x86_32)', () => {
  it('has 108-byte requests, 12-byte responses, 32 slots in a page', () => {
    expect(BLKIF_REQUEST.size).toBe(108);
    expect(BLKIF_REQUEST.sector_number).toBe(12);
    expect(BLKIF_RESPONSE.status).toBe(10);
    expect(ringSize(BLKIF_RING_ENTRY_SIZE)).toBe(32);
  });
});

describe('XenBus for a vbd (book §9.1.1)', () => {
  it('writes both directories under Xen paths with libxl permissions, and the back end waits', () => {
    const { ts, guests } = world();
    const { d, id } = guests[0]!;
    const fe = `/local/domain/${d.domid}/device/vbd/${id.devid}`;
    const be = `/local/domain/0/backend/vbd/${d.domid}/${id.devid}`;
    expect(id.devid).toBe(51712);
    expect(ts.xs.read(`${fe}/backend`)).toBe(be);
    expect(ts.xs.read(`${fe}/backend-id`)).toBe('0');
    expect(ts.xs.read(`${fe}/virtual-device`)).toBe('51712');
    expect(ts.xs.read(`${fe}/device-type`)).toBe('disk');
    expect(ts.xs.read(`${be}/frontend`)).toBe(fe);
    expect(ts.xs.read(`${be}/frontend-id`)).toBe(String(d.domid));
    expect(ts.xs.read(`${be}/online`)).toBe('1');
    expect(ts.xs.read(`${be}/dev`)).toBe('xvda');
    expect(ts.xs.getPerms(fe)).toEqual([`n${d.domid}`, 'r0']);
    expect(ts.xs.getPerms(be)).toEqual(['n0', `r${d.domid}`]);
    expect(ts.xs.read(`${fe}/state`)).toBe(String(XenbusState.Initialising));
    expect(ts.xs.read(`${be}/state`), 'the back end probed and waits').toBe(
      String(XenbusState.InitWait),
    );
    expect(ts.xs.read(`${be}/sectors`)).toBe(String(SECTORS));
    expect(ts.xs.read(`${be}/sector-size`)).toBe('512');
    expect(ts.xs.read(`${be}/feature-flush-cache`)).toBe('1');
    // The guest may not write the back end's directory.
    const guestXs = new XsClient(ts.xenstored, d.domid);
    expect(() => guestXs.write(`${be}/sectors`, '99999')).toThrow(/EACCES/);
  });

  it('connects when the front end is Initialised', () => {
    const { guests } = world();
    expect(guests[0]!.front.connect()).toBe(XENBUS_CONNECTED);
  });

  it('refuses a ring-ref the guest did not grant, with an error node, and stays up for others', () => {
    const { ts, guests } = world(2);
    const bad = guests[0]!;
    bad.front.g.write(`${bad.front.dir}/ring-ref`, '300');
    bad.front.g.write(`${bad.front.dir}/event-channel`, String(bad.front.g.allocPort()));
    bad.front.setState(3);
    bad.front.g.dom0Turn();
    expect(bad.front.backState()).toBe(XENBUS_CLOSING);
    const be = `/local/domain/0/backend/vbd/${bad.d.domid}/${bad.id.devid}`;
    expect(ts.xs.read(`${be}/error`)).toMatch(/ring-ref 300/);
    const good = guests[1]!;
    expect(good.front.connect()).toBe(XENBUS_CONNECTED);
    const page = good.front.page();
    const ref = good.front.grant(page);
    const [r] = good.front.exchange([
      { op: BLKIF_OP_READ, id: 1, sector: 0, segments: [{ gref: ref, first: 0, last: 0 }] },
    ]);
    expect(r!.status).toBe(BLKIF_RSP_OKAY);
  });
});

/** Sector-by-sector bytes of `model` over the run of a request's segments. */
function applyWrite(model: Uint8Array, sector: number, data: Uint8Array) {
  model.set(data, sector * 512);
}

describe('blkback serves reads and writes (book §9.1.2)', () => {
  it('matches a model disk byte for byte over a seeded mix of reads and writes', () => {
    const { xen, guests } = world();
    const { front, disk, model } = guests[0]!;
    expect(front.connect()).toBe(XENBUS_CONNECTED);
    const rng = new Prng(7);
    const pages = Array.from({ length: 11 }, () => front.page());
    const refs = pages.map((p) => front.grant(p));
    for (let round = 0; round < 60; round++) {
      const nseg = 1 + (rng.nextU32() % 11);
      const segs = Array.from({ length: nseg }, (_, i) => {
        const first = rng.nextU32() % 8;
        const last = first + (rng.nextU32() % (8 - first));
        return { gref: refs[i]!, first, last, page: pages[i]! };
      });
      const total = segs.reduce((n, s) => n + s.last - s.first + 1, 0);
      const sector = rng.nextU32() % (SECTORS - total + 1);
      const write = (rng.nextU32() & 1) === 1;
      if (write) {
        let at = sector;
        for (const s of segs) {
          const bytes = new Uint8Array((s.last - s.first + 1) * 512).map(
            () => rng.nextU32() & 0xff,
          );
          xen.mem.writeBytes(s.page * PAGE_SIZE + s.first * 512, bytes);
          applyWrite(model, at, bytes);
          at += s.last - s.first + 1;
        }
      } else {
        for (const s of segs) xen.mem.fill(s.page * PAGE_SIZE, PAGE_SIZE, 0xee);
      }
      const [r] = front.exchange([
        { op: write ? BLKIF_OP_WRITE : BLKIF_OP_READ, id: round, sector, segments: segs },
      ]);
      expect(r, `round ${round}: one response`).toEqual({
        id: round,
        idHi: 0,
        op: write ? BLKIF_OP_WRITE : BLKIF_OP_READ,
        status: BLKIF_RSP_OKAY,
      });
      if (!write) {
        let at = sector;
        for (const s of segs) {
          const n = s.last - s.first + 1;
          const got = xen.mem.readBytes(s.page * PAGE_SIZE + s.first * 512, n * 512);
          expect(
            Buffer.from(got).equals(Buffer.from(model.subarray(at * 512, (at + n) * 512))),
            `round ${round}: read data`,
          ).toBe(true);
          at += n;
        }
      }
      expect(Buffer.from(disk.bytes).equals(Buffer.from(model)), `round ${round}: disk`).toBe(true);
    }
  });

  it('answers bad requests with BLKIF_RSP_ERROR and touches nothing', () => {
    const { xen, guests } = world(2);
    const { front, disk, model, d } = guests[0]!;
    front.connect();
    const page = front.page();
    const ref = front.grant(page);
    const ro = front.grant(front.page(), true);
    const other = front.grant(front.page(), false, 7);
    const frames = () => d.p2m.map((f) => xen.mem.readBytes(f * PAGE_SIZE, PAGE_SIZE));
    const before = frames();
    const seg = (gref: number, first = 0, last = 7) => [{ gref, first, last }];
    const bad: Request[] = [
      { op: BLKIF_OP_READ, id: 1, sector: SECTORS - 7, segments: seg(ref) },
      { op: BLKIF_OP_WRITE, id: 2, sector: SECTORS, segments: seg(ref, 0, 0) },
      { op: BLKIF_OP_READ, id: 3, sector: 0, segments: seg(ref, 5, 4) },
      { op: BLKIF_OP_READ, id: 4, sector: 0, segments: seg(ref, 0, 8) },
      { op: BLKIF_OP_READ, id: 5, sector: 0, segments: seg(ref), nrSegments: 12 },
      { op: BLKIF_OP_READ, id: 6, sector: 0, segments: [], nrSegments: 0 },
      { op: BLKIF_OP_READ, id: 7, sector: 0, segments: seg(999) },
      { op: BLKIF_OP_WRITE, id: 8, sector: 0, segments: seg(999) },
      { op: BLKIF_OP_READ, id: 9, sector: 0, segments: seg(ro) },
      { op: BLKIF_OP_READ, id: 10, sector: 0, segments: seg(other) },
      { op: BLKIF_OP_DISCARD, id: 11, sector: 10, segments: [], nrSectors: SECTORS },
    ];
    const rsp = front.exchange(bad);
    expect(rsp.map((r) => [r.id, r.status])).toEqual(bad.map((r) => [r.id, BLKIF_RSP_ERROR]));
    expect(Buffer.from(disk.bytes).equals(Buffer.from(model))).toBe(true);
    // Only the ring's responses changed in the guest's memory.
    const after = frames();
    d.p2m.forEach((f, i) => {
      if (f === front.ringFrame) return;
      expect(Buffer.from(after[i]!).equals(Buffer.from(before[i]!)), `guest frame ${f}`).toBe(true);
    });
    const ok = front.exchange([
      { op: BLKIF_OP_FLUSH_DISKCACHE, id: 20, sector: 0, segments: [] },
      { op: BLKIF_OP_INDIRECT, id: 21, sector: 0, segments: [] },
      { op: BLKIF_OP_READ, id: 22, sector: 0, segments: seg(ref) },
    ]);
    expect(ok.map((r) => r.status)).toEqual([BLKIF_RSP_OKAY, BLKIF_RSP_EOPNOTSUPP, BLKIF_RSP_OKAY]);
    expect(guests[1]!.front.connect()).toBe(XENBUS_CONNECTED);
  });
});

describe('closing and restarting (book §9.1.1)', () => {
  it('hot-unplug: requests on the ring are answered before the back end closes', () => {
    const { ts, guests } = world();
    const { front, disk, id } = guests[0]!;
    front.connect();
    const page = front.page();
    const ref = front.grant(page);
    ts.xen.mem.fill(page * PAGE_SIZE, PAGE_SIZE, 0xab);
    for (let i = 0; i < 4; i++) {
      front.put({
        op: BLKIF_OP_WRITE,
        id: i,
        sector: i * 8,
        segments: [{ gref: ref, first: 0, last: 7 }],
      });
    }
    // Published without a notification; then the toolstack pulls the disk.
    ts.xen.mem.write32(front.ringFrame * PAGE_SIZE, front.reqProdPvt);
    ts.vbds.detach(id);
    expect(front.backState()).toBe(XENBUS_CLOSING);
    front.setState(XENBUS_CLOSING);
    front.g.dom0Turn();
    front.setState(XENBUS_CLOSED);
    front.g.dom0Turn();
    expect(front.backState()).toBe(XENBUS_CLOSED);
    expect(front.responses().map((r) => r.status)).toEqual([0, 0, 0, 0]);
    expect(disk.bytes.subarray(0, 32 * 512).every((b) => b === 0xab)).toBe(true);
    expect(ts.vbds.destroyIfClosed(id)).toBe(true);
    expect(ts.xs.tryRead(`/local/domain/0/backend/vbd/${id.domid}/${id.devid}`)).toBe(undefined);
  });

  it('a restarted back end takes over a connected ring where the last one stopped', () => {
    const { ts, guests } = world();
    const { front, disk } = guests[0]!;
    front.connect();
    const page = front.page();
    const ref = front.grant(page);
    front.exchange([
      { op: BLKIF_OP_READ, id: 1, sector: 0, segments: [{ gref: ref, first: 0, last: 0 }] },
    ]);
    ts.vbds.stopBackend();
    front.put({
      op: BLKIF_OP_WRITE,
      id: 2,
      sector: 3,
      segments: [{ gref: ref, first: 0, last: 0 }],
    });
    front.push();
    front.g.dom0Turn();
    expect(front.responses(), 'nobody serves while the back end is down').toEqual([]);
    ts.vbds.restartBackend();
    front.g.dom0Turn();
    expect(front.responses().map((r) => [r.id, r.status])).toEqual([[2, 0]]);
    expect(front.backState()).toBe(XENBUS_CONNECTED);
    const [r] = front.exchange([
      { op: BLKIF_OP_READ, id: 3, sector: 3, segments: [{ gref: ref, first: 1, last: 1 }] },
    ]);
    expect(r!.status).toBe(0);
    const got = ts.xen.mem.readBytes(page * PAGE_SIZE + 512, 512);
    expect(Buffer.from(got).equals(Buffer.from(disk.bytes.subarray(3 * 512, 4 * 512)))).toBe(true);
  });

  it('a guest that dies loses its vbd: the back end lets go and both directories go', () => {
    const { ts, guests } = world(2);
    const { front, d, id } = guests[0]!;
    front.connect();
    const ref = front.grant(front.page());
    front.exchange([
      { op: BLKIF_OP_READ, id: 1, sector: 0, segments: [{ gref: ref, first: 0, last: 0 }] },
    ]);
    ts.destroy(d);
    runDomains(ts.xen, 1);
    expect(ts.vbds.blkback.bus.devices.size).toBe(1);
    expect(ts.xs.tryRead(`/local/domain/0/backend/vbd/${d.domid}/${id.devid}/state`)).toBe(
      undefined,
    );
    const other = guests[1]!.front;
    expect(other.connect()).toBe(XENBUS_CONNECTED);
    const r = other.exchange([
      {
        op: BLKIF_OP_READ,
        id: 2,
        sector: 5,
        segments: [{ gref: other.grant(other.page()), first: 0, last: 7 }],
      },
    ]);
    expect(r.map((x) => x.status)).toEqual([BLKIF_RSP_OKAY]);
    expect(ts.xen.panicReport).toBe(null);
  });
});
