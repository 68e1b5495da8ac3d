// Your working copy for chapter 09, generated from solutions/dom0/grant-ops.ts by npx xenlab stage.
// Domain 0's grant operations for its back ends: mapping a front end's ring and copying bytes
// through a front end's grants: book §4.1, §9.2.2; Linux drivers/xen/xenbus/xenbus_client.c
// (xenbus_map_ring_valloc), include/xen/grant_table.h (gnttab_batch_copy).
//
// Both are domain 0's grant_table_op, made through privcmd, so Xen checks each grant as it would
// a guest's: the entry must name domain 0, allow what is asked, and lie inside the table. A ring
// is mapped for the device (GNTMAP_device_map): Xen pins the grant and answers with the frame's
// machine address, which domain 0's services reach as machine memory. A copy moves bytes between
// a granted page and domain 0's frame buffer, one of its hypercall buffer pages.

import { PAGE_SIZE, translateForHost } from '../../../../sim/host.ts';
import {
  __HYPERVISOR_grant_table_op,
  DOMID_SELF,
  GNTCOPY_dest_gref,
  GNTCOPY_source_gref,
  GNTMAP_device_map,
  GNTST_okay,
  GNTTAB_COPY,
  GNTTAB_MAP_GRANT_REF,
  GNTTAB_UNMAP_GRANT_REF,
  GNTTABOP_copy,
  GNTTABOP_map_grant_ref,
  GNTTABOP_unmap_grant_ref,
} from '../xen/abi.ts';
import { DOM0_BUFFER_VA } from '../xen/dom0.ts';
import type { Xen } from '../xen/xen.ts';
import { Privcmd } from './privcmd.ts';

/** The hypercall buffer page that holds a frame on its way in or out: the last one. */
const FRAME_BUFFER = 3 * PAGE_SIZE;

/** A front end's page mapped for domain 0: its machine address, and the handle to unmap it. */
export interface MappedGrant {
  /** Xen's handle for the unmap. */
  handle: number;
  /** The machine address of the page. */
  address: number;
}

/** The signed 16-bit status a grant op leaves at `offset` of the buffer. */
function status16(privcmd: Privcmd, offset: number): number {
  return (privcmd.readU16(offset) << 16) >> 16;
}

export class GrantOps {
  private readonly privcmd: Privcmd;
  private readonly xen: Xen;

  constructor(xen: Xen) {
    this.xen = xen;
    this.privcmd = new Privcmd(xen);
  }

  /**
   * GNTTABOP_map_grant_ref with GNTMAP_device_map: grant `ref` of domain `domid`, writable.
   * Returns the mapping, or the GNTST_* status (negative).
   */
  map(domid: number, ref: number): MappedGrant | number {
    const f = GNTTAB_MAP_GRANT_REF;
    const words = new Array<number>(f.size / 4).fill(0);
    words[f.flags / 4] = GNTMAP_device_map;
    words[f.ref / 4] = ref;
    words[f.dom / 4] = domid & 0xffff;
    const op = this.privcmd.writeU32(0, words);
    const rc = this.privcmd.hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, op, 1);
    const status = status16(this.privcmd, f.status);
    if (rc !== 0) return rc;
    if (status !== GNTST_okay) return status;
    return {
      address: this.privcmd.readU32(f.dev_bus_addr),
      handle: this.privcmd.readU32(f.handle),
    };
  }

  /** GNTTABOP_unmap_grant_ref of a device mapping; returns the GNTST_* status. */
  unmap(m: MappedGrant): number {
    const f = GNTTAB_UNMAP_GRANT_REF;
    const words = new Array<number>(f.size / 4).fill(0);
    words[f.dev_bus_addr / 4] = m.address;
    words[f.handle / 4] = m.handle;
    const op = this.privcmd.writeU32(0, words);
    const rc = this.privcmd.hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, op, 1);
    return rc !== 0 ? rc : status16(this.privcmd, f.status);
  }

  /** The machine address of the frame buffer's first byte. */
  private frameBuffer(): number {
    return translateForHost(this.xen.dom0Vcpu.cpu, DOM0_BUFFER_VA + FRAME_BUFFER, true);
  }

  /**
   * GNTTABOP_copy of `len` bytes at `offset` of grant `ref` of `domid` into a new array.
   * Returns the bytes, or the GNTST_* status (negative).
   */
  copyFrom(domid: number, ref: number, offset: number, len: number): Uint8Array | number {
    const buffer = this.frameBuffer();
    const status = this.copy([
      ref,
      domid | (offset << 16),
      buffer / PAGE_SIZE,
      DOMID_SELF,
      len | (GNTCOPY_source_gref << 16),
    ]);
    return status === GNTST_okay ? this.xen.mem.readBytes(buffer, len) : status;
  }

  /** GNTTABOP_copy of `bytes` into grant `ref` of `domid` at `offset`; the GNTST_* status. */
  copyTo(domid: number, ref: number, offset: number, bytes: Uint8Array): number {
    const buffer = this.frameBuffer();
    this.xen.mem.writeBytes(buffer, bytes);
    return this.copy([
      buffer / PAGE_SIZE,
      DOMID_SELF,
      ref,
      domid | (offset << 16),
      bytes.length | (GNTCOPY_dest_gref << 16),
    ]);
  }

  /** One gnttab_copy: source u, domid|offset, dest u, domid|offset, len|flags; its status. */
  private copy(words: number[]): number {
    const f = GNTTAB_COPY;
    const op = this.privcmd.writeU32(0, [...words, 0]);
    const rc = this.privcmd.hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_copy, op, 1);
    return rc !== 0 ? rc : status16(this.privcmd, f.status);
  }
}

const devices = new WeakMap<Xen, GrantOps>();

/** Domain 0's grant operations on `xen`, opened on first use. */
export function grantOps(xen: Xen): GrantOps {
  let device = devices.get(xen);
  if (device === undefined) {
    device = new GrantOps(xen);
    devices.set(xen, device);
  }
  return device;
}
