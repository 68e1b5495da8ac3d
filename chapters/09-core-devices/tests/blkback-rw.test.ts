// 09-blkback-rw: a read or a write of blkif, checked and served through the guest's grants
// (book §9.1.2; Xen public/io/blkif.h, Linux xen-blkback's dispatch_rw_block_io).

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE } from '../../../sim/host.ts';
import {
  BLKIF_OP_READ,
  BLKIF_OP_WRITE,
  BLKIF_RSP_ERROR,
  BLKIF_RSP_OKAY,
  type Request,
  XENBUS_CLOSED,
  XENBUS_CLOSING,
} from '../../testing/blkfront.ts';
import { testRng } from '../../testing/index.ts';
import { blkifReadWrite, type SegmentIo } from '../src/dom0/blkback.ts';
import type { BlkifRequest } from '../src/dom0/blkif.ts';
import { MemoryDisk } from '../src/dom0/disk.ts';
import { blkWorld, SECTORS, same } from './fixtures.ts';

/** Grants as a map of pages, with every copy the back end asks for recorded. */
function fakeGrants(pages: number, refuse: number[] = []) {
  const page = Array.from({ length: pages }, () => new Uint8Array(PAGE_SIZE));
  const copies: string[] = [];
  const io: SegmentIo = {
    copyFrom(gref, offset, len) {
      copies.push(`from ${gref} @${offset} +${len}`);
      if (gref >= pages || refuse.includes(gref) || offset + len > PAGE_SIZE) return -3;
      return page[gref]!.slice(offset, offset + len);
    },
    copyTo(gref, offset, bytes) {
      copies.push(`to ${gref} @${offset} +${bytes.length}`);
      if (gref >= pages || refuse.includes(gref) || offset + bytes.length > PAGE_SIZE) return -3;
      page[gref]!.set(bytes, offset);
      return 0;
    },
  };
  return { page, copies, io };
}

const request = (
  operation: number,
  sectorNumber: number,
  segments: [number, number, number][],
  nrSegments = segments.length,
): BlkifRequest => ({
  operation,
  nrSegments,
  handle: 0,
  idLo: 1,
  idHi: 0,
  sectorNumber,
  segments: segments.map(([gref, firstSect, lastSect]) => ({ gref, firstSect, lastSect })),
  nrSectors: 0,
});

describe('09-blkback-rw', () => {
  test('segments land at their sectors of their pages, consecutive on the disk', () => {
    const rng = testRng('09-blkback-rw/segments');
    const disk = new MemoryDisk(64);
    for (let i = 0; i < disk.bytes.length; i++) disk.bytes[i] = rng.below(256);
    const model = disk.bytes.slice();
    const { page, copies, io } = fakeGrants(3);
    const start = rng.below(40);
    const read = request(BLKIF_OP_READ, start, [
      [0, 2, 4],
      [1, 0, 7],
      [2, 6, 6],
    ]);
    expect(blkifReadWrite(io, disk, read), 'a valid read').toBe(BLKIF_RSP_OKAY);
    expect(copies, 'one copy per segment, at first_sect × 512 of its page').toEqual([
      'to 0 @1024 +1536',
      'to 1 @0 +4096',
      'to 2 @3072 +512',
    ]);
    expect(
      same(page[0]!.subarray(1024, 2560), model.subarray(start * 512, (start + 3) * 512)),
    ).toBe(true);
    expect(same(page[1]!, model.subarray((start + 3) * 512, (start + 11) * 512))).toBe(true);
    expect(
      same(page[2]!.subarray(3072, 3584), model.subarray((start + 11) * 512, (start + 12) * 512)),
    ).toBe(true);
    // Now write those pages back elsewhere, with new bytes in the middle segment.
    for (let i = 0; i < PAGE_SIZE; i++) page[1]![i] = rng.below(256);
    const at = rng.below(40);
    expect(blkifReadWrite(io, disk, { ...read, operation: BLKIF_OP_WRITE, sectorNumber: at })).toBe(
      BLKIF_RSP_OKAY,
    );
    model.set(page[0]!.subarray(1024, 2560), at * 512);
    model.set(page[1]!, (at + 3) * 512);
    model.set(page[2]!.subarray(3072, 3584), (at + 11) * 512);
    expect(same(disk.bytes, model), 'the disk after the write').toBe(true);
  });

  test('bad requests get BLKIF_RSP_ERROR before any copy, and the disk is untouched', () => {
    const disk = new MemoryDisk(64);
    disk.bytes.fill(0x5a);
    const cases: [string, BlkifRequest][] = [
      ['past the end', request(BLKIF_OP_READ, 60, [[0, 0, 4]])],
      ['ending one past the end', request(BLKIF_OP_WRITE, 57, [[0, 0, 7]])],
      ['first > last', request(BLKIF_OP_WRITE, 0, [[0, 3, 2]])],
      ['last_sect 8', request(BLKIF_OP_READ, 0, [[0, 0, 8]])],
      ['no segments', request(BLKIF_OP_READ, 0, [], 0)],
      ['12 segments', request(BLKIF_OP_READ, 0, [[0, 0, 0]], 12)],
    ];
    for (const [what, req] of cases) {
      const { copies, io } = fakeGrants(2);
      expect(blkifReadWrite(io, disk, req), what).toBe(BLKIF_RSP_ERROR);
      expect(copies, `${what}: no grant used`).toEqual([]);
    }
    const ro = new MemoryDisk(disk.bytes, true);
    const { copies, io } = fakeGrants(2);
    expect(blkifReadWrite(io, ro, request(BLKIF_OP_WRITE, 0, [[0, 0, 0]])), 'read-only disk').toBe(
      BLKIF_RSP_ERROR,
    );
    expect(copies).toEqual([]);
    expect(disk.bytes.every((b) => b === 0x5a)).toBe(true);
    // A write whose last grant Xen refuses writes nothing at all.
    const refused = fakeGrants(3, [2]);
    const req = request(BLKIF_OP_WRITE, 8, [
      [0, 0, 7],
      [1, 0, 7],
      [2, 0, 7],
    ]);
    refused.page[0]!.fill(1);
    expect(blkifReadWrite(refused.io, disk, req), 'a refused grant').toBe(BLKIF_RSP_ERROR);
    expect(
      disk.bytes.every((b) => b === 0x5a),
      'no sector written',
    ).toBe(true);
    // A read into a refused grant fails too.
    const readRefused = fakeGrants(1, [0]);
    expect(blkifReadWrite(readRefused.io, disk, request(BLKIF_OP_READ, 0, [[0, 0, 0]]))).toBe(
      BLKIF_RSP_ERROR,
    );
  });

  test('a seeded mix of reads and writes through Xen matches a model disk byte for byte', () => {
    const { xen, guests, rng } = blkWorld('09-blkback-rw/mix');
    const { front, disk, model } = guests[0]!;
    front.connect();
    const pages = Array.from({ length: 11 }, () => front.page());
    const refs = pages.map((p) => front.grant(p));
    for (let round = 0; round < 40; round++) {
      const segs = Array.from({ length: 1 + rng.below(11) }, (_, i) => {
        const first = rng.below(8);
        return { gref: refs[i]!, first, last: first + rng.below(8 - first), page: pages[i]! };
      });
      const total = segs.reduce((n, s) => n + s.last - s.first + 1, 0);
      const sector = rng.below(SECTORS - total + 1);
      const write = rng.below(2) === 1;
      let at = sector;
      for (const s of segs) {
        const n = s.last - s.first + 1;
        if (write) {
          const bytes = new Uint8Array(n * 512).map(() => rng.below(256));
          xen.mem.writeBytes(s.page * PAGE_SIZE + s.first * 512, bytes);
          model.set(bytes, at * 512);
        } else {
          xen.mem.fill(s.page * PAGE_SIZE, PAGE_SIZE, 0xee);
        }
        at += n;
      }
      const op = write ? BLKIF_OP_WRITE : BLKIF_OP_READ;
      const rsp = front.exchange([{ op, id: round, sector, segments: segs }]);
      expect(rsp, `round ${round}: one OKAY response echoing id and operation`).toEqual([
        { id: round, idHi: 0, op, status: BLKIF_RSP_OKAY },
      ]);
      at = sector;
      for (const s of segs) {
        const n = s.last - s.first + 1;
        if (!write) {
          const got = xen.mem.readBytes(s.page * PAGE_SIZE + s.first * 512, n * 512);
          expect(
            same(got, model.subarray(at * 512, (at + n) * 512)),
            `round ${round}: data read`,
          ).toBe(true);
        }
        at += n;
      }
      expect(same(disk.bytes, model), `round ${round}: the disk`).toBe(true);
    }
  });

  test('bad requests through Xen: errors, and no frame of the guest changes but the ring', () => {
    const { xen, guests } = blkWorld('09-blkback-rw/bad', 2);
    const { front, d, disk, model } = guests[0]!;
    front.connect();
    const ref = front.grant(front.page());
    const readOnly = front.grant(front.page(), true);
    const toOther = front.grant(front.page(), false, guests[1]!.d.domid);
    const before = d.p2m.map((f) => xen.mem.readBytes(f * PAGE_SIZE, PAGE_SIZE));
    const seg = (gref: number, first = 0, last = 7) => [{ gref, first, last }];
    const bad: Request[] = [
      { op: BLKIF_OP_READ, id: 1, sector: SECTORS - 7, segments: seg(ref) },
      { op: BLKIF_OP_READ, id: 2, sector: 0, segments: seg(ref, 5, 4) },
      { op: BLKIF_OP_READ, id: 3, sector: 0, segments: seg(ref, 0, 8) },
      { op: BLKIF_OP_READ, id: 4, sector: 0, segments: seg(ref), nrSegments: 12 },
      { op: BLKIF_OP_READ, id: 5, sector: 0, segments: seg(900) },
      { op: BLKIF_OP_WRITE, id: 6, sector: 0, segments: seg(900) },
      { op: BLKIF_OP_READ, id: 7, sector: 0, segments: seg(readOnly) },
      { op: BLKIF_OP_READ, id: 8, sector: 0, segments: seg(toOther) },
    ];
    const rsp = front.exchange(bad);
    expect(rsp.map((r) => [r.id, r.status])).toEqual(bad.map((r) => [r.id, BLKIF_RSP_ERROR]));
    expect(same(disk.bytes, model), 'the disk').toBe(true);
    d.p2m.forEach((f, i) => {
      if (f === front.ringFrame) return;
      expect(
        same(xen.mem.readBytes(f * PAGE_SIZE, PAGE_SIZE), before[i]!),
        `guest frame ${f}`,
      ).toBe(true);
    });
    // The back end and the other guest carry on.
    const ok = front.exchange([{ op: BLKIF_OP_READ, id: 9, sector: 0, segments: seg(ref) }]);
    expect(ok.map((r) => r.status)).toEqual([BLKIF_RSP_OKAY]);
    const other = guests[1]!.front;
    other.connect();
    const r2 = other.exchange([
      { op: BLKIF_OP_READ, id: 10, sector: 1, segments: seg(other.grant(other.page())) },
    ]);
    expect(r2.map((r) => r.status)).toEqual([BLKIF_RSP_OKAY]);
  });

  test('closing the device mid-I/O loses no write already on the ring', () => {
    const { xen, ts, guests, rng } = blkWorld('09-blkback-rw/close');
    const { front, disk, model, id } = guests[0]!;
    front.connect();
    const n = 2 + rng.below(6);
    for (let i = 0; i < n; i++) {
      const fill = rng.below(256);
      const data = front.page();
      xen.mem.fill(data * PAGE_SIZE, PAGE_SIZE, fill);
      front.put({
        op: BLKIF_OP_WRITE,
        id: i,
        sector: i * 8,
        segments: [{ gref: front.grant(data), first: 0, last: 7 }],
      });
      model.fill(fill, i * 8 * 512, (i + 1) * 8 * 512);
    }
    // Published and notified, but before domain 0's turn the toolstack pulls the disk.
    front.pushRaw(front.reqProdPvt);
    ts.vbds.detach(id);
    front.setState(XENBUS_CLOSING);
    front.g.dom0Turn();
    front.setState(XENBUS_CLOSED);
    front.g.dom0Turn();
    expect(front.backState()).toBe(XENBUS_CLOSED);
    expect(
      front.responses().map((r) => r.status),
      'every write answered',
    ).toEqual(Array(n).fill(BLKIF_RSP_OKAY));
    expect(same(disk.bytes, model), 'every write on the disk').toBe(true);
  });
});
