// Your working copy for chapter 10, generated from solutions/dom0/ring.ts by npx xenlab stage.
// Shared I/O rings for TypeScript back ends: book §6.3; Xen public/io/ring.h (DEFINE_RING_TYPES
// and the RING_* macros), docs/xen-abi.md §9.
//
// A ring is one shared page: four indices, padding to 64 bytes, then a power-of-two array of
// slots, each holding a request or a response. The indices are free-running 32-bit counters: a
// slot is `index & (size - 1)`, and every difference of two indices is taken modulo 2^32, so
// wrap-around needs no special case. Each side keeps a private producer index, fills slots, then
// publishes the index; it notifies the other side only when that side asked to be woken (its
// event index). Domain 0's services reach a guest's page as machine memory, so a ring is named by
// its machine address.
//
// Xen's macros order memory with barriers (wmb, mb). Host code sees every store at once and in
// order, so here each barrier is a comment where the macro has it; the guests' library
// (guests/lib/ring.asm) executes them, and on a CPU that buffers stores they matter.

import { PAGE_SIZE, type PhysMemory } from '../../../../sim/host.ts';
import { SRING } from '../xen/abi.ts';

/** The front end's view (struct *_front_ring): it produces requests and consumes responses. */
export interface FrontRing {
  readonly mem: PhysMemory;
  /** Machine address of the shared page. */
  readonly sring: number;
  readonly nrEnts: number;
  readonly entrySize: number;
  /** Requests produced but perhaps not yet published. */
  reqProdPvt: number;
  /** Responses consumed. */
  rspCons: number;
}

/** The back end's view (struct *_back_ring): it consumes requests and produces responses. */
export interface BackRing {
  readonly mem: PhysMemory;
  readonly sring: number;
  readonly nrEnts: number;
  readonly entrySize: number;
  /** Responses produced but perhaps not yet published. */
  rspProdPvt: number;
  /** Requests consumed. */
  reqCons: number;
}

/** An index difference, as ring.h's RING_IDX arithmetic computes it: modulo 2^32. */
const idx = (value: number): number => value >>> 0;

/** __CONST_RING_SIZE: slots of `entrySize` bytes that fit after the header, a power of two. */
export function ringSize(entrySize: number, bytes = PAGE_SIZE): number {
  const fit = Math.floor((bytes - SRING.ring) / entrySize);
  let size = 1;
  while (size * 2 <= fit) size *= 2;
  return fit === 0 ? 0 : size;
}

/** SHARED_RING_INIT: both producers at 0, both event indices at 1, the padding zeroed. */
export function sharedRingInit(mem: PhysMemory, sring: number): void {
  mem.write32(sring + SRING.req_prod, 0);
  mem.write32(sring + SRING.rsp_prod, 0);
  mem.write32(sring + SRING.req_event, 1);
  mem.write32(sring + SRING.rsp_event, 1);
  mem.fill(sring + SRING.pvt, SRING.ring - SRING.pvt, 0);
}

/** FRONT_RING_INIT: the front end's private indices start where the shared ones do, at 0. */
export function frontRingInit(mem: PhysMemory, sring: number, entrySize: number): FrontRing {
  return { mem, sring, nrEnts: ringSize(entrySize), entrySize, reqProdPvt: 0, rspCons: 0 };
}

/** BACK_RING_INIT. */
export function backRingInit(mem: PhysMemory, sring: number, entrySize: number): BackRing {
  return { mem, sring, nrEnts: ringSize(entrySize), entrySize, rspProdPvt: 0, reqCons: 0 };
}

const read = (r: FrontRing | BackRing, field: number): number => r.mem.read32(r.sring + field);
const write = (r: FrontRing | BackRing, field: number, value: number): void =>
  r.mem.write32(r.sring + field, idx(value));

/** RING_GET_REQUEST / RING_GET_RESPONSE: the machine address of the slot index `i` names. */
export function ringSlot(r: FrontRing | BackRing, i: number): number {
  const slot = i & (r.nrEnts - 1);
  return r.sring + SRING.ring + slot * r.entrySize;
}

/** RING_FREE_REQUESTS: slots the front end may still fill before the back end answers. */
export function ringFreeRequests(r: FrontRing): number {
  const inFlight = idx(r.reqProdPvt - r.rspCons);
  return r.nrEnts - inFlight;
}

/** RING_FULL. */
export function ringFull(r: FrontRing): boolean {
  return ringFreeRequests(r) === 0;
}

/** RING_HAS_UNCONSUMED_RESPONSES: responses published and not yet taken. */
export function ringUnconsumedResponses(r: FrontRing): number {
  const published = read(r, SRING.rsp_prod);
  return idx(published - r.rspCons);
}

/**
 * RING_HAS_UNCONSUMED_REQUESTS: requests published and not yet taken, but never more than the
 * slots whose responses have gone out — a front end that publishes a wild req_prod cannot make
 * the back end read slots it is still answering in.
 */
export function ringUnconsumedRequests(r: BackRing): number {
  const requests = idx(read(r, SRING.req_prod) - r.reqCons);
  const room = r.nrEnts - idx(r.reqCons - r.rspProdPvt);
  return Math.min(requests, room);
}

/** RING_REQUEST_PROD_OVERFLOW: can a well-behaved front end have published `prod`? */
export function ringRequestProdOverflow(r: BackRing, prod: number): boolean {
  return idx(prod - r.rspProdPvt) > r.nrEnts;
}

/**
 * The notify decision of RING_PUSH_*_AND_CHECK_NOTIFY: the producer moved its index from `old`
 * to `next`; the consumer asked to be woken when the index passes `event`. Notify when `event`
 * lies in (old, next], which wrapped subtraction tests in one comparison.
 */
export function ringNeedsNotify(old: number, next: number, event: number): boolean {
  return idx(next - event) < idx(next - old);
}

/** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY: publish the requests; true when the back end must be told. */
export function ringPushRequestsAndCheckNotify(r: FrontRing): boolean {
  const old = read(r, SRING.req_prod);
  const next = idx(r.reqProdPvt);
  // wmb: the back end sees the requests before the index that publishes them.
  write(r, SRING.req_prod, next);
  // mb: the back end sees the new index before we read its event index.
  return ringNeedsNotify(old, next, read(r, SRING.req_event));
}

/** RING_PUSH_RESPONSES_AND_CHECK_NOTIFY. */
export function ringPushResponsesAndCheckNotify(r: BackRing): boolean {
  const old = read(r, SRING.rsp_prod);
  const next = idx(r.rspProdPvt);
  // wmb
  write(r, SRING.rsp_prod, next);
  // mb
  return ringNeedsNotify(old, next, read(r, SRING.rsp_event));
}

/**
 * RING_FINAL_CHECK_FOR_REQUESTS: before the back end sleeps, it asks to be woken by the next
 * request, then looks once more — a request published between its last look and the event
 * index would otherwise wake nobody. True when there is work after all.
 */
export function ringFinalCheckForRequests(r: BackRing): boolean {
  if (ringUnconsumedRequests(r) > 0) return true;
  write(r, SRING.req_event, r.reqCons + 1);
  // mb: the event index is visible before we read req_prod again.
  return ringUnconsumedRequests(r) > 0;
}

/** RING_FINAL_CHECK_FOR_RESPONSES: the front end's side of the same. */
export function ringFinalCheckForResponses(r: FrontRing): boolean {
  if (ringUnconsumedResponses(r) > 0) return true;
  write(r, SRING.rsp_event, r.rspCons + 1);
  // mb
  return ringUnconsumedResponses(r) > 0;
}
