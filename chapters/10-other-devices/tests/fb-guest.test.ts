// The fb guest (src/guests/fb.asm: framebuffer and keyboard front ends in assembly) against the
// tree's own back ends: what it draws must reach domain 0's screen pixel for pixel, and the keys
// sent to it must arrive in order (book §10.2).

import { describe, expect, test } from 'vitest';
import { PhysMemory } from '../../../sim/host.ts';
import { guestSources } from '../../testing/src.ts';
import { Toolstack } from '../src/dom0/toolstack.ts';
import { display } from '../src/dom0/vfb.ts';
import { buildGuest, GUESTS } from '../src/guests/index.ts';
import { runDomains } from '../src/xen/schedule.ts';
import { Xen } from '../src/xen/xen.ts';

const [W, H] = [64, 48];

/** fb.asm's picture, computed here: background, two rectangles, "XEN 10" in 5×7 glyphs. */
function picture(presses: number): Uint32Array {
  const glyphs: Record<string, number[]> = {
    X: [0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11],
    E: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f],
    N: [0x11, 0x19, 0x15, 0x13, 0x11, 0x11, 0x11],
    '0': [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
    '1': [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
  };
  const px = new Uint32Array(W * H);
  const fill = (x: number, y: number, w: number, h: number, c: number) => {
    for (let r = y; r < y + h; r++) for (let q = x; q < x + w; q++) px[r * W + q] = c;
  };
  fill(0, 0, W, H, 0x000020);
  fill(4, 4, 20, 12, 0xff0000);
  fill(40, 30, 20, 14, 0x00ff00);
  [...'XEN 10'].forEach((ch, i) => {
    (glyphs[ch] ?? []).forEach((bits, row) => {
      for (let col = 0; col < 5; col++) {
        if (bits & (0x10 >> col)) px[(20 + row) * W + 8 + i * 6 + col] = 0xffffff;
      }
    });
  });
  for (let i = 0; i < presses; i++) fill(i * 5, H - 4, 4, 4, 0xffff00);
  return px;
}

function wrongPixels(got: Uint32Array, want: Uint32Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < want.length && out.length < 4; i++) {
    if (got[i] !== want[i]) out.push(`${i % W},${Math.floor(i / W)}: 0x${got[i]?.toString(16)}`);
  }
  return out;
}

function boot() {
  const xen = new Xen(new PhysMemory(64 << 20));
  const ts = new Toolstack(xen);
  const shown = display(xen, ts.xenstored);
  const files = guestSources(import.meta.url);
  const image = (g: string) => buildGuest(GUESTS.find((x) => x.name === g)!.main, files);
  const [fb] = ts.boot('fb', image, { memoryMiB: 8 });
  runDomains(xen, 20_000_000);
  return { xen, ts, shown, fb: fb! };
}

describe('10-xenfb-update', () => {
  test('the fb guest’s drawing reaches domain 0’s screen pixel for pixel', () => {
    const { ts, shown, fb } = boot();
    expect(ts.console(fb)).toContain('fb: drew 64x48, waiting for keys');
    const screen = shown.screens.get(fb.domid);
    expect(screen, 'the vfb back end did not connect').toBeDefined();
    expect(wrongPixels(screen!.screen, picture(0))).toEqual([]);
  });
});

describe('10-xenkbd-put', () => {
  test('keys and a pointer position sent to the fb guest arrive in order', () => {
    const { xen, ts, shown, fb } = boot();
    const kbd = shown.keyboards.get(fb.domid);
    expect(kbd, 'the vkbd back end did not connect').toBeDefined();
    const screen = shown.screens.get(fb.domid)?.screen ?? new Uint32Array(0);
    for (const k of [30, 48]) {
      kbd!.send({ type: 'key', keycode: k, pressed: true });
      kbd!.send({ type: 'key', keycode: k, pressed: false });
    }
    kbd!.send({ type: 'position', x: 12, y: 34, dz: 0 });
    kbd!.send({ type: 'key', keycode: 16, pressed: true });
    runDomains(xen, 20_000_000);
    expect(ts.console(fb).split('\r\n').slice(1)).toEqual([
      'kbd: key 30 down',
      'kbd: key 30 up',
      'kbd: key 48 down',
      'kbd: key 48 up',
      'kbd: pointer at 12,34',
      'kbd: key 16 down',
      'fb: bye',
      '',
    ]);
    expect(wrongPixels(screen, picture(3))).toEqual([]);
  });
});
