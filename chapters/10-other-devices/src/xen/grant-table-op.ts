// Your working copy for chapter 10, generated from solutions/xen/grant-table-op.ts by npx xenlab stage.
// The grant_table_op hypercall: decoding each sub-command's batch of structures, running the
// worker on each, writing the results back: book §4.1–4.3; Xen xen/common/grant_table.c
// (do_grant_table_op), docs/xen-abi.md §6.
//
// grant_table_op(cmd, uop, count) has two error channels. The return value says whether the
// call itself made sense: -ENOSYS for an unknown cmd, -EINVAL for a negative count (or a
// count other than 1 where only one structure is allowed), -EFAULT for an array the guest
// cannot read or write. Each structure's `status` says how that one operation went (GNTST_*).
// A batch runs copy-in, act, copy-out per entry; an -EFAULT stops it where it happened.

import {
  __HYPERVISOR_grant_table_op,
  GNTST_bad_domain,
  GNTST_bad_virt_addr,
  GNTST_okay,
  GNTTAB_COPY,
  GNTTAB_GET_VERSION,
  GNTTAB_MAP_GRANT_REF,
  GNTTAB_QUERY_SIZE,
  GNTTAB_SET_VERSION,
  GNTTAB_SETUP_TABLE,
  GNTTAB_TRANSFER,
  GNTTAB_UNMAP_GRANT_REF,
  GNTTABOP_copy,
  GNTTABOP_get_version,
  GNTTABOP_map_grant_ref,
  GNTTABOP_query_size,
  GNTTABOP_set_version,
  GNTTABOP_setup_table,
  GNTTABOP_transfer,
  GNTTABOP_unmap_grant_ref,
} from './abi.ts';
import { EFAULT, EINVAL, ENOSYS, EPERM, ESRCH } from './errno.ts';
import { gnttabCopy, gnttabTransfer } from './grant-copy.ts';
import { gnttabDomainDestroy, gnttabMapGrantRef, gnttabUnmapGrantRef } from './grant-map.ts';
import {
  gnttabQuerySize,
  gnttabSetupTable,
  gnttabSetVersion,
  targetDomain,
} from './grant-table.ts';
import { accessOk, copyFromGuest, copyToGuest } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';
import type { Mechanism } from './mechanism.ts';


/** One guest structure, read as little-endian fields and written back whole. */
class GuestStruct {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(at: number): number {
    return this.view.getUint16(at, true);
  }
  u32(at: number): number {
    return this.view.getUint32(at, true);
  }
  set16(at: number, value: number): void {
    this.view.setUint16(at, value & 0xffff, true);
  }
  set32(at: number, value: number): void {
    this.view.setUint32(at, value >>> 0, true);
  }
  /** A u64 field whose value fits a JS number (frame × 4096 on this machine). */
  set64(at: number, value: number): void {
    this.set32(at, value % 2 ** 32);
    this.set32(at + 4, Math.floor(value / 2 ** 32));
  }
}

type Worker = (ctx: HypercallContext, s: GuestStruct) => void;

/** Runs `worker` over `count` structures of `size` bytes at `uop`: copy in, act, copy out. */
function batch(ctx: HypercallContext, uop: number, count: number, size: number, worker: Worker) {
  const cpu = ctx.vcpu.cpu;
  if (!accessOk(uop, count * size)) return -EFAULT;
  for (let i = 0; i < count; i++) {
    const va = uop + i * size;
    const bytes = copyFromGuest(cpu, va, size);
    if (typeof bytes === 'number') return bytes;
    const s = new GuestStruct(bytes);
    worker(ctx, s);
    const rc = copyToGuest(cpu, va, s.bytes);
    if (rc < 0) return rc;
  }
  return 0;
}

function mapGrantRef(ctx: HypercallContext, s: GuestStruct): void {
  const f = GNTTAB_MAP_GRANT_REF;
  const result = gnttabMapGrantRef(ctx.xen, ctx.domain, ctx.vcpu.cpu, {
    hostAddr: s.u32(f.host_addr),
    hostAddrHigh: s.u32(f.host_addr + 4),
    flags: s.u32(f.flags),
    ref: s.u32(f.ref),
    dom: s.u16(f.dom),
  });
  s.set16(f.status, result.status);
  if (result.status === GNTST_okay) {
    s.set32(f.handle, result.handle);
    s.set64(f.dev_bus_addr, result.devBusAddr);
  }
}

function unmapGrantRef(ctx: HypercallContext, s: GuestStruct): void {
  const f = GNTTAB_UNMAP_GRANT_REF;
  const devBusAddr = s.u32(f.dev_bus_addr) + s.u32(f.dev_bus_addr + 4) * 2 ** 32;
  const status = gnttabUnmapGrantRef(ctx.xen, ctx.domain, ctx.vcpu.cpu, {
    hostAddr: s.u32(f.host_addr),
    hostAddrHigh: s.u32(f.host_addr + 4),
    devBusAddr,
    handle: s.u32(f.handle),
  });
  s.set16(f.status, status);
}

function copy(ctx: HypercallContext, s: GuestStruct): void {
  const f = GNTTAB_COPY;
  const status = gnttabCopy(ctx.xen, ctx.domain, {
    source: { u: s.u32(f.source_u), domid: s.u16(f.source_domid), offset: s.u16(f.source_offset) },
    dest: { u: s.u32(f.dest_u), domid: s.u16(f.dest_domid), offset: s.u16(f.dest_offset) },
    len: s.u16(f.len),
    flags: s.u16(f.flags),
  });
  s.set16(f.status, status);
}

function transfer(ctx: HypercallContext, s: GuestStruct): void {
  const f = GNTTAB_TRANSFER;
  const status = gnttabTransfer(ctx.xen, ctx.domain, {
    mfn: s.u32(f.mfn),
    domid: s.u16(f.domid),
    ref: s.u32(f.ref),
  });
  s.set16(f.status, status);
}

/** GNTTABOP_setup_table (count must be 1): the frame list goes to the guest's frame_list. */
function setupTable(ctx: HypercallContext, s: GuestStruct): void {
  const f = GNTTAB_SETUP_TABLE;
  const { xen, domain } = ctx;
  const nrFrames = s.u32(f.nr_frames);
  const result = gnttabSetupTable(
    xen.heap,
    (id) => xen.findDomain(id),
    domain,
    s.u16(f.dom),
    nrFrames,
  );
  let status = result.status;
  const list = s.u32(f.frame_list);
  result.frames.forEach((mfn, i) => {
    const word = new Uint8Array(4);
    new DataView(word.buffer).setUint32(0, mfn, true);
    if (copyToGuest(ctx.vcpu.cpu, list + i * 4, word) < 0) status = GNTST_bad_virt_addr;
  });
  s.set16(f.status, status);
}

function querySize(ctx: HypercallContext, s: GuestStruct): void {
  const f = GNTTAB_QUERY_SIZE;
  const { xen, domain } = ctx;
  const result = gnttabQuerySize(xen.heap, (id) => xen.findDomain(id), domain, s.u16(f.dom));
  s.set32(f.nr_frames, result.nrFrames);
  s.set32(f.max_nr_frames, result.maxNrFrames);
  s.set16(f.status, result.status);
}

/** Sub-commands that take exactly one structure, with its size. */
const SINGLE: Readonly<Record<number, readonly [number, Worker]>> = {
  [GNTTABOP_setup_table]: [GNTTAB_SETUP_TABLE.size, setupTable],
  [GNTTABOP_query_size]: [GNTTAB_QUERY_SIZE.size, querySize],
};

/** Sub-commands that take a batch of `count` structures. */
const BATCHED: Readonly<Record<number, readonly [number, Worker]>> = {
  [GNTTABOP_map_grant_ref]: [GNTTAB_MAP_GRANT_REF.size, mapGrantRef],
  [GNTTABOP_unmap_grant_ref]: [GNTTAB_UNMAP_GRANT_REF.size, unmapGrantRef],
  [GNTTABOP_transfer]: [GNTTAB_TRANSFER.size, transfer],
  [GNTTABOP_copy]: [GNTTAB_COPY.size, copy],
};

/** GNTTABOP_set_version: the result is the return value; the version in force goes back. */
function setVersion(ctx: HypercallContext, uop: number): number {
  const bytes = copyFromGuest(ctx.vcpu.cpu, uop, GNTTAB_SET_VERSION.size);
  if (typeof bytes === 'number') return bytes;
  const s = new GuestStruct(bytes);
  const { rc, version } = gnttabSetVersion(
    ctx.xen.heap,
    ctx.domain,
    s.u32(GNTTAB_SET_VERSION.version),
  );
  s.set32(GNTTAB_SET_VERSION.version, version);
  return copyToGuest(ctx.vcpu.cpu, uop, s.bytes) < 0 ? -EFAULT : rc;
}

/** GNTTABOP_get_version: the version of a domain's table (errno, not GNTST, on failure). */
function getVersion(ctx: HypercallContext, uop: number): number {
  const bytes = copyFromGuest(ctx.vcpu.cpu, uop, GNTTAB_GET_VERSION.size);
  if (typeof bytes === 'number') return bytes;
  const s = new GuestStruct(bytes);
  const d = targetDomain((id) => ctx.xen.findDomain(id), ctx.domain, s.u16(GNTTAB_GET_VERSION.dom));
  if (typeof d === 'number') return d === GNTST_bad_domain ? -ESRCH : -EPERM;
  s.set32(GNTTAB_GET_VERSION.version, d.grantTable?.version ?? 0);
  return copyToGuest(ctx.vcpu.cpu, uop, s.bytes) < 0 ? -EFAULT : 0;
}

/** grant_table_op(cmd, uop, count). */
export function doGrantTableOp(ctx: HypercallContext, args: Uint32Array): number {
  const cmd = args[0]!;
  const uop = args[1]!;
  const count = args[2]! | 0;
  if (count < 0) return -EINVAL;
  if (cmd === GNTTABOP_set_version) return setVersion(ctx, uop);
  if (cmd === GNTTABOP_get_version) return getVersion(ctx, uop);
  const single = SINGLE[cmd];
  if (single !== undefined) {
    if (count !== 1) return -EINVAL;
    return batch(ctx, uop, 1, single[0], single[1]);
  }
  const batched = BATCHED[cmd];
  if (batched === undefined) return -ENOSYS;
  return batch(ctx, uop, count, batched[0], batched[1]);
}

/** Grant tables: the hypercall, and a dying domain's mappings released before its frames go. */
export const GRANT_TABLES_MECHANISM: Mechanism = {
  name: 'grant tables',
  hypercalls: {
    [__HYPERVISOR_grant_table_op]: doGrantTableOp,
  },
  domainDestroy: (xen, d, frames) => gnttabDomainDestroy(xen.heap, d, frames),
};
