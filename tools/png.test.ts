// The PNG encoder: its chunks are well formed (lengths, CRCs), and the image data inflates back
// to the very pixels given.
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng } from './png.ts';

/** The chunks of a PNG: type, data, and whether the CRC matched. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  const view = new DataView(png.buffer, png.byteOffset);
  const out: { type: string; data: Uint8Array }[] = [];
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    const type = new TextDecoder().decode(png.subarray(at + 4, at + 8));
    out.push({ type, data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

describe('encodePng', () => {
  it('writes the signature, IHDR, IDAT and IEND, and the pixels come back out', () => {
    const [w, h] = [5, 3];
    const pixels = Uint32Array.from({ length: w * h }, (_, i) => (i * 0x0a1b2c) & 0xffffff);
    const png = encodePng(pixels, w, h);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const parts = chunks(png);
    expect(parts.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = new DataView(parts[0]!.data.buffer, parts[0]!.data.byteOffset);
    expect([ihdr.getUint32(0), ihdr.getUint32(4), ...parts[0]!.data.subarray(8)]).toEqual([
      w,
      h,
      8,
      2,
      0,
      0,
      0,
    ]);
    const raw = inflateSync(parts[1]!.data);
    expect(raw.length).toBe(h * (1 + w * 3));
    for (let y = 0; y < h; y++) {
      expect(raw[y * (1 + w * 3)]).toBe(0);
      for (let x = 0; x < w; x++) {
        const at = y * (1 + w * 3) + 1 + x * 3;
        const p = pixels[y * w + x]!;
        expect([raw[at], raw[at + 1], raw[at + 2]]).toEqual([p >>> 16, (p >>> 8) & 0xff, p & 0xff]);
      }
    }
  });

  it('ends with the IEND chunk every PNG ends with, CRC included', () => {
    const png = encodePng(new Uint32Array([0xff0000]), 1, 1);
    const tail = Array.from(png.subarray(png.length - 12), (b) => b.toString(16).padStart(2, '0'));
    expect(tail.join('')).toBe('0000000049454e44ae426082');
  });
});
