// Your working copy for chapter 10, generated from solutions/dom0/gntdev.ts by npx xenlab stage.
// Domain 0's grant device for its TypeScript back ends: map a guest's granted page, copy bytes to
// and from granted pages: book §4.1, §9.1.2; Linux drivers/xen/gntdev.c (IOCTL_GNTDEV_MAP_GRANT_REF,
// IOCTL_GNTDEV_GRANT_COPY), Xen tools/libs/gnttab.
//
// A back end reaches a guest's memory only where the guest granted it, and only through Xen:
// every map and every copy is domain 0's grant_table_op, made through privcmd, so Xen checks the
// grant (its domain, its flags, read-only or not) as for any domain. A page is mapped at a
// virtual address of domain 0's own, in the free slots after its hypercall buffers (the L1 that
// maps the buffers has 512 entries), and the back end reads and writes it through that address.
// A copy goes between a granted page and a frame of domain 0's (DOMID_SELF): one of its buffers.

import { PAGE_SIZE, translateForHost } from '../../../../sim/host.ts';
import {
  __HYPERVISOR_grant_table_op,
  DOMID_SELF,
  GNTCOPY_dest_gref,
  GNTCOPY_source_gref,
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTST_okay,
  GNTTAB_COPY,
  GNTTAB_MAP_GRANT_REF,
  GNTTAB_UNMAP_GRANT_REF,
  GNTTABOP_copy,
  GNTTABOP_map_grant_ref,
  GNTTABOP_unmap_grant_ref,
} from '../xen/abi.ts';
import { DOM0_BUFFER_PAGES, DOM0_BUFFER_VA } from '../xen/dom0.ts';
import type { Xen } from '../xen/xen.ts';
import { Privcmd } from './privcmd.ts';

/** Mapping slots: the L1 entries after the buffers', up to the end of that L1. */
const MAP_SLOTS = 512 - ((DOM0_BUFFER_VA >>> 12) & 511) - DOM0_BUFFER_PAGES;
const MAP_BASE = DOM0_BUFFER_VA + DOM0_BUFFER_PAGES * PAGE_SIZE;
/** The buffer page copies bounce through (page 0 holds the operation structures). */
const BOUNCE_PAGE = 1;

/** A granted page mapped into domain 0. */
export interface GrantMapping {
  readonly domid: number;
  readonly ref: number;
  /** Xen's handle for the unmap. */
  readonly handle: number;
  /** Domain 0's virtual address of the page. */
  readonly va: number;
  /** The machine address the mapping reaches, as domain 0's tables translate `va`. */
  readonly address: number;
}

/** A signed 16-bit status out of a buffer. */
const s16 = (value: number): number => (value << 16) >> 16;

export class Gntdev {
  private readonly xen: Xen;
  private readonly privcmd: Privcmd;
  private readonly used = new Set<number>();

  constructor(xen: Xen) {
    this.xen = xen;
    this.privcmd = new Privcmd(xen);
  }

  /**
   * GNTTABOP_map_grant_ref with GNTMAP_host_map: grant `ref` of `domid` at a free slot of domain
   * 0's. Returns the mapping, or the GNTST_* status (negative) Xen refused it with.
   */
  map(domid: number, ref: number, readonly = false): GrantMapping | number {
    let slot = 0;
    while (slot < MAP_SLOTS && this.used.has(slot)) slot++;
    if (slot === MAP_SLOTS) throw new Error('gntdev: every mapping slot of domain 0 is in use');
    const va = MAP_BASE + slot * PAGE_SIZE;
    const f = GNTTAB_MAP_GRANT_REF;
    const flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0);
    this.privcmd.writeU32(0, [va, 0, flags, ref, domid, 0, 0, 0]);
    const rc = this.privcmd.hypercall(
      __HYPERVISOR_grant_table_op,
      GNTTABOP_map_grant_ref,
      this.privcmd.va(0),
      1,
    );
    const status = rc !== 0 ? rc : s16(this.privcmd.readU16(f.status));
    if (status !== GNTST_okay) return status;
    this.used.add(slot);
    const handle = this.privcmd.readU32(f.handle);
    const address = translateForHost(this.xen.dom0Vcpu.cpu, va, !readonly);
    return { domid, ref, handle, va, address };
  }

  /** GNTTABOP_unmap_grant_ref; the slot is free again. Returns the GNTST_* status. */
  unmap(m: GrantMapping): number {
    const f = GNTTAB_UNMAP_GRANT_REF;
    this.privcmd.writeU32(0, [m.va, 0, 0, 0, m.handle, 0]);
    const rc = this.privcmd.hypercall(
      __HYPERVISOR_grant_table_op,
      GNTTABOP_unmap_grant_ref,
      this.privcmd.va(0),
      1,
    );
    const status = rc !== 0 ? rc : s16(this.privcmd.readU16(f.status));
    if (status === GNTST_okay) this.used.delete((m.va - MAP_BASE) / PAGE_SIZE);
    return status;
  }

  /**
   * GNTTABOP_copy from `len` bytes at `offset` of grant `ref` of `domid` into domain 0's bounce
   * page; returns the bytes, or the GNTST_* status (negative).
   */
  copyFrom(domid: number, ref: number, offset: number, len: number): Uint8Array | number {
    const bounce = this.bounceFrame();
    const status = this.copy([
      ref,
      domid | (offset << 16),
      bounce,
      DOMID_SELF,
      len | (GNTCOPY_source_gref << 16),
    ]);
    if (status !== GNTST_okay) return status;
    return this.xen.mem.readBytes(bounce * PAGE_SIZE, len);
  }

  /** GNTTABOP_copy of `bytes` into grant `ref` of `domid` at `offset`; the GNTST_* status. */
  copyTo(domid: number, ref: number, offset: number, bytes: Uint8Array): number {
    const bounce = this.bounceFrame();
    this.xen.mem.writeBytes(bounce * PAGE_SIZE, bytes);
    return this.copy([
      bounce,
      DOMID_SELF,
      ref,
      domid | (offset << 16),
      bytes.length | (GNTCOPY_dest_gref << 16),
    ]);
  }

  /** The frame of domain 0's bounce buffer page. */
  private bounceFrame(): number {
    const va = this.privcmd.va(BOUNCE_PAGE * PAGE_SIZE);
    return translateForHost(this.xen.dom0Vcpu.cpu, va, true) / PAGE_SIZE;
  }

  /** One gnttab_copy: the five words of the structure before its status; returns the status. */
  private copy(words: number[]): number {
    this.privcmd.writeU32(0, [...words, 0]);
    const rc = this.privcmd.hypercall(
      __HYPERVISOR_grant_table_op,
      GNTTABOP_copy,
      this.privcmd.va(0),
      1,
    );
    return rc !== 0 ? rc : s16(this.privcmd.readU16(GNTTAB_COPY.status));
  }
}

const devices = new WeakMap<Xen, Gntdev>();

/** Domain 0's grant device on `xen`, opened on first use. */
export function gntdev(xen: Xen): Gntdev {
  let device = devices.get(xen);
  if (device === undefined) {
    device = new Gntdev(xen);
    devices.set(xen, device);
  }
  return device;
}
