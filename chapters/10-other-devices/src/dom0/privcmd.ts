// Your working copy for chapter 10, generated from solutions/dom0/privcmd.ts by npx xenlab stage.
// The toolstack's hypercalls: Linux's privcmd driver and libxc's hypercall buffers: book §2.3,
// §2.7; Linux drivers/xen/privcmd.c (IOCTL_PRIVCMD_HYPERCALL), Xen tools/libs/call
// (xencall_alloc_buffer).
//
// Domain 0's services reach Xen the way a control domain's tools do: they lay the arguments
// out in hypercall buffers, in domain 0's own memory, and make the hypercall (xen/dom0.ts),
// so Xen checks, counts and traces what they ask as it does a guest's request. Reading and
// writing a guest's memory needs no hypercall: domain 0 may map any frame (a foreign mapping,
// xenforeignmemory_map), which here is machine memory itself.

import { translateForHost } from '../../../../sim/host.ts';
import { DOM0_BUFFER_PAGES, DOM0_BUFFER_VA, dom0Hypercall } from '../xen/dom0.ts';
import type { Xen } from '../xen/xen.ts';

/** Bytes in domain 0's hypercall buffers. */
export const BUFFER_SIZE = DOM0_BUFFER_PAGES * 4096;

/** Hypercall buffers and the hypercall: one per toolstack, over domain 0's vCPU. */
export class Privcmd {
  readonly xen: Xen;

  constructor(xen: Xen) {
    this.xen = xen;
  }

  /** The machine address of buffer byte `offset`, through domain 0's own tables. */
  private machineAddress(offset: number): number {
    if (offset < 0 || offset >= BUFFER_SIZE) throw new RangeError(`buffer offset ${offset}`);
    return translateForHost(this.xen.dom0Vcpu.cpu, DOM0_BUFFER_VA + offset, true);
  }

  /** The address a hypercall receives for buffer byte `offset`. */
  va(offset: number): number {
    return DOM0_BUFFER_VA + offset;
  }

  /** Writes little-endian u32s at buffer byte `offset`; returns their address. */
  writeU32(offset: number, values: readonly number[]): number {
    values.forEach((value, i) => {
      this.xen.mem.write32(this.machineAddress(offset + i * 4), value >>> 0);
    });
    return this.va(offset);
  }

  /** Copies `bytes` to buffer byte `offset`, page by page; returns their address. */
  write(offset: number, bytes: Uint8Array): number {
    bytes.forEach((byte, i) => {
      this.xen.mem.write8(this.machineAddress(offset + i), byte);
    });
    return this.va(offset);
  }

  /** The `length` bytes at buffer byte `offset`. */
  read(offset: number, length: number): Uint8Array {
    return Uint8Array.from({ length }, (_, i) =>
      this.xen.mem.read8(this.machineAddress(offset + i)),
    );
  }

  readU32(offset: number): number {
    return this.xen.mem.read32(this.machineAddress(offset)) >>> 0;
  }

  readU16(offset: number): number {
    return this.xen.mem.read16(this.machineAddress(offset));
  }

  /** Hypercall `nr` from domain 0 (IOCTL_PRIVCMD_HYPERCALL); returns its result, signed. */
  hypercall(nr: number, ...args: number[]): number {
    return dom0Hypercall(this.xen, nr, args);
  }
}
