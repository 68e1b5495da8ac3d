// Your working copy for chapter 10, generated from solutions/dom0/blkif.ts by npx xenlab stage.
// The block device's wire format, blkif: requests, responses and their ring: book §9.1.2; Xen
// public/io/blkif.h (struct blkif_request, blkif_request_discard, blkif_response), docs/xen-abi.md
// §12.1.
//
// A block front end asks for sectors with requests on a shared ring (dom0/ring.ts) and gets one
// response per request. A request names a run of sectors on the disk (`sector_number`, always in
// 512-byte units) and up to 11 segments, each a granted page of the guest and the sectors of that
// page the data goes to or comes from (`first_sect` … `last_sect`, 0–7, inclusive). The back end
// echoes `id` and `operation` in the response, with a status. Layouts are x86_32's: a u64 is
// 4-byte aligned there, so `id` follows `handle` directly and the request is 108 bytes; a 64-bit
// front end says so in XenStore's `protocol` node, and this back end then refuses it.

import type { PhysMemory } from '../../../../sim/host.ts';

/** blkif_request.operation. */
export const BLKIF_OP_READ = 0;
export const BLKIF_OP_WRITE = 1;
export const BLKIF_OP_WRITE_BARRIER = 2;
export const BLKIF_OP_FLUSH_DISKCACHE = 3;
export const BLKIF_OP_RESERVED_1 = 4;
export const BLKIF_OP_DISCARD = 5;
export const BLKIF_OP_INDIRECT = 6;

/** blkif_response.status. */
export const BLKIF_RSP_OKAY = 0;
export const BLKIF_RSP_ERROR = -1;
export const BLKIF_RSP_EOPNOTSUPP = -2;

export const BLKIF_MAX_SEGMENTS_PER_REQUEST = 11;
/** Sectors (of 512 bytes, as every blkif sector number is) in one 4 KiB segment page. */
export const SECTOR_SIZE = 512;
export const SECTORS_PER_PAGE = 8;

/** struct blkif_request_segment: 8 bytes (a u32 gref, two u8, two bytes of padding). */
export const BLKIF_SEGMENT = { gref: 0, first_sect: 4, last_sect: 5, size: 8 } as const;

/** struct blkif_request, x86_32: 108 bytes. */
export const BLKIF_REQUEST = {
  operation: 0,
  nr_segments: 1,
  handle: 2,
  id: 4,
  sector_number: 12,
  seg: 20,
  size: 20 + BLKIF_MAX_SEGMENTS_PER_REQUEST * BLKIF_SEGMENT.size,
} as const;

/** struct blkif_request_discard, x86_32: the same slot read another way. */
export const BLKIF_REQUEST_DISCARD = {
  operation: 0,
  flag: 1,
  handle: 2,
  id: 4,
  sector_number: 12,
  nr_sectors: 20,
} as const;

/** struct blkif_response, x86_32: 12 bytes (status at 10, after a byte of padding). */
export const BLKIF_RESPONSE = { id: 0, operation: 8, status: 10, size: 12 } as const;

/** A ring slot holds a request or a response: the larger, 108 bytes; 32 of them fit a page. */
export const BLKIF_RING_ENTRY_SIZE = BLKIF_REQUEST.size;

/** XenStore's `protocol` values (public/io/protocols.h); absent means the back end's own. */
export const XEN_IO_PROTO_ABI_X86_32 = 'x86_32-abi';

export interface BlkifSegment {
  gref: number;
  firstSect: number;
  lastSect: number;
}

/** A request as the back end copied it out of the ring. */
export interface BlkifRequest {
  operation: number;
  nrSegments: number;
  handle: number;
  /** The front end's own tag: two u32 halves, echoed untouched. */
  idLo: number;
  idHi: number;
  /** Sector number in 512-byte units (a u64; sectors past 2^53 do not occur here). */
  sectorNumber: number;
  /** Up to BLKIF_MAX_SEGMENTS_PER_REQUEST segments, as many as nr_segments says (clamped). */
  segments: BlkifSegment[];
  /** BLKIF_OP_DISCARD only: the run's length in sectors. */
  nrSectors: number;
}

const u64 = (mem: PhysMemory, at: number): number => mem.read32(at) + mem.read32(at + 4) * 2 ** 32;

/**
 * Copies the request in the slot at machine address `slot` out of the shared page, once: the
 * front end may change the slot while the back end works, so the back end reads each field
 * exactly one time and checks the copy (Xen's blkback does the same, RING_COPY_REQUEST).
 */
export function readRequest(mem: PhysMemory, slot: number): BlkifRequest {
  const r = BLKIF_REQUEST;
  const nrSegments = mem.read8(slot + r.nr_segments);
  const segments: BlkifSegment[] = [];
  for (let i = 0; i < Math.min(nrSegments, BLKIF_MAX_SEGMENTS_PER_REQUEST); i++) {
    const s = slot + r.seg + i * BLKIF_SEGMENT.size;
    segments.push({
      gref: mem.read32(s + BLKIF_SEGMENT.gref) >>> 0,
      firstSect: mem.read8(s + BLKIF_SEGMENT.first_sect),
      lastSect: mem.read8(s + BLKIF_SEGMENT.last_sect),
    });
  }
  return {
    operation: mem.read8(slot + r.operation),
    nrSegments,
    handle: mem.read16(slot + r.handle),
    idLo: mem.read32(slot + r.id) >>> 0,
    idHi: mem.read32(slot + r.id + 4) >>> 0,
    sectorNumber: u64(mem, slot + r.sector_number),
    segments,
    nrSectors: u64(mem, slot + BLKIF_REQUEST_DISCARD.nr_sectors),
  };
}

/** Writes the response to `req` with `status` into the slot at machine address `slot`. */
export function writeResponse(
  mem: PhysMemory,
  slot: number,
  req: BlkifRequest,
  status: number,
): void {
  const r = BLKIF_RESPONSE;
  mem.write32(slot + r.id, req.idLo);
  mem.write32(slot + r.id + 4, req.idHi);
  mem.write8(slot + r.operation, req.operation);
  mem.write8(slot + r.operation + 1, 0);
  mem.write16(slot + r.status, status & 0xffff);
}

/** Writes a request into a slot, as a front end does (the tests' and the book's front ends). */
export function writeRequest(mem: PhysMemory, slot: number, req: BlkifRequest): void {
  const r = BLKIF_REQUEST;
  mem.fill(slot, r.size, 0);
  mem.write8(slot + r.operation, req.operation);
  mem.write8(slot + r.nr_segments, req.nrSegments);
  mem.write16(slot + r.handle, req.handle);
  mem.write32(slot + r.id, req.idLo);
  mem.write32(slot + r.id + 4, req.idHi);
  mem.write32(slot + r.sector_number, req.sectorNumber >>> 0);
  mem.write32(slot + r.sector_number + 4, Math.floor(req.sectorNumber / 2 ** 32));
  if (req.operation === BLKIF_OP_DISCARD) {
    const at = slot + BLKIF_REQUEST_DISCARD.nr_sectors;
    mem.write32(at, req.nrSectors >>> 0);
    mem.write32(at + 4, Math.floor(req.nrSectors / 2 ** 32));
    return;
  }
  req.segments.slice(0, BLKIF_MAX_SEGMENTS_PER_REQUEST).forEach((s, i) => {
    const at = slot + r.seg + i * BLKIF_SEGMENT.size;
    mem.write32(at + BLKIF_SEGMENT.gref, s.gref);
    mem.write8(at + BLKIF_SEGMENT.first_sect, s.firstSect);
    mem.write8(at + BLKIF_SEGMENT.last_sect, s.lastSect);
  });
}

/** A response as the front end reads it. */
export interface BlkifResponse {
  idLo: number;
  idHi: number;
  operation: number;
  status: number;
}

export function readResponse(mem: PhysMemory, slot: number): BlkifResponse {
  const r = BLKIF_RESPONSE;
  return {
    idLo: mem.read32(slot + r.id) >>> 0,
    idHi: mem.read32(slot + r.id + 4) >>> 0,
    operation: mem.read8(slot + r.operation),
    status: (mem.read16(slot + r.status) << 16) >> 16,
  };
}
