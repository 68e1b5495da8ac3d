// fb end to end: its framebuffer front end draws and reports, domain 0's xenfb copies what it
// drew to the screen (compared pixel by pixel with the picture computed here), and its keyboard
// front end reads the keys domain 0's xenkbd sends, in order.
// xenlab: file from 10
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { encodePng } from '../../tools/png.ts';
import { Toolstack } from '../dom0/toolstack.ts';
import { display } from '../dom0/vfb.ts';
import { runDomains } from '../xen/schedule.ts';
import { Xen } from '../xen/xen.ts';
import { buildGuest, GUESTS } from './index.ts';

const files = asmSourcesUnder(import.meta.dirname);
const image = (guest: string) => buildGuest(GUESTS.find((g) => g.name === guest)!.main, files);

const [W, H] = [64, 48];
/** The glyphs fb.asm draws with: seven rows of five pixels, bit 4 the leftmost. */
const GLYPHS: Record<string, number[]> = {
  X: [0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11],
  E: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f],
  N: [0x11, 0x19, 0x15, 0x13, 0x11, 0x11, 0x11],
  '0': [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
  '1': [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
};

/** The picture fb draws, computed independently of the guest. */
function expectedScreen(presses: number): Uint32Array {
  const px = new Uint32Array(W * H);
  const fill = (x: number, y: number, w: number, h: number, c: number) => {
    for (let r = y; r < y + h; r++) for (let q = x; q < x + w; q++) px[r * W + q] = c;
  };
  fill(0, 0, W, H, 0x000020);
  fill(4, 4, 20, 12, 0xff0000);
  fill(40, 30, 20, 14, 0x00ff00);
  [...'XEN 10'].forEach((ch, i) => {
    (GLYPHS[ch] ?? []).forEach((bits, row) => {
      for (let col = 0; col < 5; col++) {
        if (bits & (0x10 >> col)) px[(20 + row) * W + 8 + i * 6 + col] = 0xffffff;
      }
    });
  });
  for (let i = 0; i < presses; i++) fill(i * 5, H - 4, 4, 4, 0xffff00);
  return px;
}

/** Pixels that differ, as "x,y: got/want" (the first few). */
function diff(got: Uint32Array, want: Uint32Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < want.length && out.length < 5; i++) {
    if (got[i] !== want[i])
      out.push(`${i % W},${Math.floor(i / W)}: ${got[i]?.toString(16)}/${want[i]!.toString(16)}`);
  }
  return out;
}

/** The pixels of a PNG made by encodePng (one IDAT, filter None), as 0x00RRGGBB. */
function pngPixels(png: Uint8Array): Uint32Array {
  // The signature (8 bytes) and IHDR (25) first; then IDAT: its length, 'IDAT', its data.
  expect(new TextDecoder().decode(png.subarray(37, 41))).toBe('IDAT');
  const length = new DataView(png.buffer, png.byteOffset).getUint32(33);
  const raw = inflateSync(png.subarray(41, 41 + length));
  return Uint32Array.from({ length: W * H }, (_, i) => {
    const at = Math.floor(i / W) * (1 + W * 3) + 1 + (i % W) * 3;
    return (raw[at]! << 16) | (raw[at + 1]! << 8) | raw[at + 2]!;
  });
}

function boot() {
  const xen = new Xen(new PhysMemory(64 << 20));
  const ts = new Toolstack(xen);
  const shown = display(xen, ts.xenstored);
  const [fb] = ts.boot('fb', image, { memoryMiB: 8 });
  runDomains(xen, 20_000_000);
  return { xen, ts, shown, fb: fb! };
}

describe('fb: a screen and a keyboard', () => {
  it('draws shapes and text that reach domain 0’s screen pixel for pixel', () => {
    const { ts, shown, fb } = boot();
    expect(ts.console(fb)).toContain('fb: drew 64x48, waiting for keys');
    const screen = shown.screens.get(fb.domid)!;
    expect(screen.updates).toBe(1);
    expect(diff(screen.read(), expectedScreen(0))).toEqual([]);
    // And as a PNG file shows it.
    expect(diff(pngPixels(encodePng(screen.read(), W, H)), expectedScreen(0))).toEqual([]);
  });

  it('reads key and pointer events in the order they were sent, and stops at Q', () => {
    const { xen, ts, shown, fb } = boot();
    const kbd = shown.keyboards.get(fb.domid)!;
    const screen = shown.screens.get(fb.domid)!;
    const press = (k: number) => {
      kbd.send({ type: 'key', keycode: k, pressed: true });
      kbd.send({ type: 'key', keycode: k, pressed: false });
    };
    press(30);
    press(48);
    kbd.send({ type: 'position', x: 12, y: 34, dz: 0 });
    press(46);
    press(16);
    runDomains(xen, 20_000_000);
    const lines = ts.console(fb).split('\r\n');
    expect(lines.slice(1)).toEqual([
      'kbd: key 30 down',
      'kbd: key 30 up',
      'kbd: key 48 down',
      'kbd: key 48 up',
      'kbd: pointer at 12,34',
      'kbd: key 46 down',
      'kbd: key 46 up',
      'kbd: key 16 down',
      'fb: bye',
      '',
    ]);
    // Each press marked a square and reported just that square.
    expect(screen.updates).toBe(5);
    expect(diff(screen.screen, expectedScreen(4))).toEqual([]);
    expect(fb.state).toBe('shutdown');
  });
});
