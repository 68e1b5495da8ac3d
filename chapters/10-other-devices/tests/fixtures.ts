// Chapter 10's fixtures: a Xen with a toolstack and a guest that never runs, whose pages the
// tests fill as a framebuffer and keyboard front end would, with fbif.h's and kbdif.h's layouts
// written out here from Xen's headers (a back end that reads or writes elsewhere fails).

import { PAGE_SIZE, PhysMemory } from '../../../sim/host.ts';
import { minimalKernel } from '../../testing/elf.ts';
import { Toolstack } from '../src/dom0/toolstack.ts';
import type { Framebuffer } from '../src/dom0/xenfb.ts';
import { Xen } from '../src/xen/xen.ts';

/** struct xenfb_page and struct xenfb_update on x86_32 (io/fbif.h). */
export const FB_PAGE = { out_cons: 8, out_prod: 12, width: 16, height: 20, line_length: 24 };
export const FB_OUT_RING = { offset: 2048, len: 51, size: 40 };
/** struct xenkbd_page and its in ring (io/kbdif.h). */
export const KBD = { in_cons: 0, in_prod: 4, ring: 1024, len: 51, size: 40 };
export const KBD_TYPE = { motion: 1, key: 3, position: 4 };

/** A never-run guest and its last `pages` frames, for the test to fill. */
export function world(pages = 16) {
  const xen = new Xen(new PhysMemory(48 << 20));
  const ts = new Toolstack(xen);
  const d = ts.create(minimalKernel(), { name: 'front', memoryMiB: 8, cmdline: '' });
  const frames = d.p2m.slice(d.p2m.length - pages);
  return { xen, ts, d, mem: xen.mem, frames };
}

/** The value the guest's framebuffer holds at (x, y): names its place, never 0. */
export const pixelAt = (x: number, y: number): number => 0x1000000 | (y << 12) | x;

/**
 * A width × height framebuffer in the guest's frames, rows `lineLength` bytes apart (padding
 * filled with a value no pixel has), as the back end maps it; every pixel holds pixelAt.
 */
export function guestFramebuffer(
  mem: PhysMemory,
  frames: number[],
  width: number,
  height: number,
  lineLength: number,
): Framebuffer {
  const count = Math.ceil((lineLength * height) / PAGE_SIZE);
  const pages = frames.slice(0, count).map((mfn) => mfn * PAGE_SIZE);
  for (let o = 0; o < count * PAGE_SIZE; o += 4) mem.write32(pages[o >>> 12]! + (o & 4095), 0xdead);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * lineLength + x * 4;
      mem.write32(pages[o >>> 12]! + (o & 4095), pixelAt(x, y));
    }
  }
  return { width, height, lineLength, pages };
}
