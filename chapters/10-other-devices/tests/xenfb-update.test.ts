// 10-xenfb-update: the framebuffer back end's update event — the reported rectangle, clipped to
// the framebuffer, copied from the guest's pages to the screen (book §10.2; Xen public/io/
// fbif.h, QEMU's xenfb_handle_events).

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import { Xenfb, xenfbUpdate } from '../src/dom0/xenfb.ts';
import { FB_OUT_RING, FB_PAGE, guestFramebuffer, pixelAt, world } from './fixtures.ts';

/** The screen a correct back end leaves: pixelAt inside the clipped rectangles, 0 elsewhere. */
function model(w: number, h: number, rects: number[][]): Uint32Array {
  const screen = new Uint32Array(w * h);
  for (const [x, y, rw, rh] of rects as [number, number, number, number][]) {
    for (let r = Math.max(y, 0); r < Math.min(y + rh, h); r++) {
      for (let c = Math.max(x, 0); c < Math.min(x + rw, w); c++) screen[r * w + c] = pixelAt(c, r);
    }
  }
  return screen;
}

/** The first pixels that differ, as "x,y got/want". */
function differences(got: Uint32Array, want: Uint32Array, w: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < want.length && out.length < 4; i++) {
    if (got[i] !== want[i]) {
      out.push(
        `${i % w},${Math.floor(i / w)} got 0x${got[i]!.toString(16)} want 0x${want[i]!.toString(16)}`,
      );
    }
  }
  return out;
}

describe('10-xenfb-update', () => {
  test('copies exactly the rectangle, row by row at line_length, and counts its pixels', () => {
    const { mem, frames } = world();
    const fb = guestFramebuffer(mem, frames, 50, 40, 50 * 4 + 24);
    const screen = new Uint32Array(50 * 40);
    expect(xenfbUpdate(mem, fb, screen, 7, 3, 20, 30)).toBe(600);
    expect(differences(screen, model(50, 40, [[7, 3, 20, 30]]), 50)).toEqual([]);
  });

  test('clips a rectangle that leaves the framebuffer on any side', () => {
    const { mem, frames } = world();
    const fb = guestFramebuffer(mem, frames, 32, 24, 32 * 4);
    const rects = [
      [-5, -2, 8, 6],
      [28, 20, 10, 10],
      [-10, 5, 100, 2],
      [3, -50, 2, 200],
    ];
    const screen = new Uint32Array(32 * 24);
    const counts = rects.map(([x, y, w, h]) => xenfbUpdate(mem, fb, screen, x!, y!, w!, h!));
    expect(counts).toEqual([3 * 4, 4 * 4, 32 * 2, 2 * 24]);
    expect(differences(screen, model(32, 24, rects), 32)).toEqual([]);
  });

  test('copies nothing for rectangles outside, empty, negative or absurd — and never throws', () => {
    const { mem, frames } = world();
    const fb = guestFramebuffer(mem, frames, 32, 24, 32 * 4);
    const screen = new Uint32Array(32 * 24);
    const rects = [
      [32, 0, 4, 4],
      [0, 24, 4, 4],
      [-4, -4, 4, 4],
      [5, 5, -3, 4],
      [5, 5, 4, -3],
      [5, 5, 0, 9],
      [0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff],
      [-0x80000000, -0x80000000, 0x7fffffff, 0x7fffffff],
    ];
    for (const [x, y, w, h] of rects) expect(xenfbUpdate(mem, fb, screen, x!, y!, w!, h!)).toBe(0);
    expect(screen.every((p) => p === 0)).toBe(true);
  });

  test('seeded rectangles across page boundaries match the model', () => {
    const rng = testRng('10-xenfb-update');
    const { mem, frames } = world();
    const [w, h, line] = [60, 45, 60 * 4 + 4 * rng.below(8)];
    const fb = guestFramebuffer(mem, frames, w, h, line);
    const screen = new Uint32Array(w * h);
    const rects: number[][] = [];
    for (let i = 0; i < 30; i++) {
      const rect = [rng.below(90) - 15, rng.below(70) - 12, rng.below(40), rng.below(30)];
      rects.push(rect);
      xenfbUpdate(mem, fb, screen, rect[0]!, rect[1]!, rect[2]!, rect[3]!);
    }
    expect(differences(screen, model(w, h, rects), w)).toEqual([]);
  });

  test('the back end applies each update event the front end puts on its out ring', () => {
    const { xen, ts, d, mem, frames } = world();
    // The shared page, one directory page, then the framebuffer's pages.
    const [shared, pd, ...fbFrames] = frames as [number, number, ...number[]];
    const page = shared * PAGE_SIZE;
    guestFramebuffer(mem, fbFrames, 40, 30, 160);
    mem.write32(page + FB_PAGE.width, 40);
    mem.write32(page + FB_PAGE.height, 30);
    mem.write32(page + FB_PAGE.line_length, 160);
    mem.write32(page + 28, 2 * PAGE_SIZE); // mem_length
    mem.write8(page + 32, 32); // depth
    mem.write32(page + 36, pd); // pd[0]
    fbFrames.slice(0, 2).forEach((mfn, i) => {
      mem.write32(pd * PAGE_SIZE + i * 4, mfn);
    });
    const fb = new Xenfb(xen, d.domid);
    expect(
      fb.connect({ pageRef: shared, eventChannel: ts.evtchn.allocUnbound(d.domid, 0) }),
    ).toBeNull();
    const rects = [
      [2, 2, 5, 5],
      [35, 25, 10, 10],
    ];
    rects.forEach(([x, y, w, h], i) => {
      const ev = page + FB_OUT_RING.offset + i * FB_OUT_RING.size;
      mem.write8(ev, 2); // XENFB_TYPE_UPDATE
      [x, y, w, h].forEach((v, j) => {
        mem.write32(ev + 4 + j * 4, v! >>> 0);
      });
    });
    mem.write32(page + FB_PAGE.out_prod, rects.length);
    fb.interrupt();
    expect(mem.read32(page + FB_PAGE.out_cons)).toBe(rects.length);
    expect(differences(fb.screen, model(40, 30, rects), 40)).toEqual([]);
  });
});
