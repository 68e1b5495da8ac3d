// 10-xenkbd-put: one input event on the keyboard's in ring — the whole 40-byte slot at in_prod,
// then in_prod; nothing when the ring is full (book §10.2; Xen public/io/kbdif.h).

import { describe, expect, test } from 'vitest';
import type { PhysMemory } from '../../../sim/host.ts';
import { PAGE_SIZE } from '../../../sim/host.ts';
import { type KbdEvent, xenkbdPut } from '../src/dom0/xenkbd.ts';
import { KBD, KBD_TYPE, world } from './fixtures.ts';

/** The slot of index `i`, its 40 bytes. */
const slot = (mem: PhysMemory, page: number, i: number): number[] =>
  Array.from(mem.readBytes(page + KBD.ring + (i % KBD.len) * KBD.size, KBD.size));

/** A 40-byte event: type, then the given (offset, u8 or u32) fields, the rest 0. */
function bytes(type: number, fields: [number, number, 'u8' | 'u32'][]): number[] {
  const out = new Array(KBD.size).fill(0);
  out[0] = type;
  for (const [at, value, kind] of fields) {
    if (kind === 'u8') out[at] = value;
    else for (let b = 0; b < 4; b++) out[at + b] = (value >>> (8 * b)) & 0xff;
  }
  return out;
}

/** A keyboard page whose ring slots all hold garbage, the indexes at `start`. */
function keyboard(start = 0) {
  const { mem, frames } = world(2);
  const page = frames[0]! * PAGE_SIZE;
  mem.writeBytes(page, new Uint8Array(PAGE_SIZE).fill(0xa5));
  mem.write32(page + KBD.in_cons, start);
  mem.write32(page + KBD.in_prod, start);
  return { mem, page };
}

describe('10-xenkbd-put', () => {
  test('a key press, a key release, a position and a motion, each laid out as kbdif.h says', () => {
    const { mem, page } = keyboard(5);
    const events: KbdEvent[] = [
      { type: 'key', keycode: 30, pressed: true },
      { type: 'key', keycode: 0x1c2, pressed: false },
      { type: 'position', x: 640, y: 480, dz: -1 },
      { type: 'motion', dx: -3, dy: 7, dz: 0 },
    ];
    for (const e of events) expect(xenkbdPut(mem, page, e)).toBe(true);
    expect(mem.read32(page + KBD.in_prod)).toBe(9);
    expect(slot(mem, page, 5)).toEqual(
      bytes(KBD_TYPE.key, [
        [1, 1, 'u8'],
        [4, 30, 'u32'],
      ]),
    );
    expect(slot(mem, page, 6)).toEqual(
      bytes(KBD_TYPE.key, [
        [1, 0, 'u8'],
        [4, 0x1c2, 'u32'],
      ]),
    );
    expect(slot(mem, page, 7)).toEqual(
      bytes(KBD_TYPE.position, [
        [4, 640, 'u32'],
        [8, 480, 'u32'],
        [12, -1 >>> 0, 'u32'],
      ]),
    );
    expect(slot(mem, page, 8)).toEqual(
      bytes(KBD_TYPE.motion, [
        [4, -3 >>> 0, 'u32'],
        [8, 7, 'u32'],
        [12, 0, 'u32'],
      ]),
    );
    expect(mem.read32(page + KBD.in_cons)).toBe(5); // the consumer's index is not ours
  });

  test('stops at a full ring: in_prod a whole ring ahead of in_cons, nothing written', () => {
    const { mem, page } = keyboard(100);
    for (let i = 0; i < KBD.len; i++) {
      expect(xenkbdPut(mem, page, { type: 'key', keycode: i, pressed: true })).toBe(true);
    }
    const before = Array.from(mem.readBytes(page + KBD.ring, KBD.len * KBD.size));
    expect(xenkbdPut(mem, page, { type: 'key', keycode: 99, pressed: true })).toBe(false);
    expect(mem.read32(page + KBD.in_prod)).toBe(100 + KBD.len);
    expect(Array.from(mem.readBytes(page + KBD.ring, KBD.len * KBD.size))).toEqual(before);
    // The front end takes one: exactly one more fits, in the slot the oldest left.
    mem.write32(page + KBD.in_cons, 101);
    expect(xenkbdPut(mem, page, { type: 'key', keycode: 99, pressed: true })).toBe(true);
    expect(slot(mem, page, 100 + KBD.len)).toEqual(
      bytes(KBD_TYPE.key, [
        [1, 1, 'u8'],
        [4, 99, 'u32'],
      ]),
    );
    expect(xenkbdPut(mem, page, { type: 'key', keycode: 98, pressed: true })).toBe(false);
  });

  test('indexes run free across 2^32; an in_cons ahead of in_prod counts as full', () => {
    // (kbdif.h's 51-slot ring does not divide 2^32: slots repeat at the wrap. Only the indexes
    // are checked here, as unsigned 32-bit numbers.)
    const { mem, page } = keyboard(0xffffffff);
    expect(xenkbdPut(mem, page, { type: 'key', keycode: 1, pressed: true })).toBe(true);
    expect(mem.read32(page + KBD.in_prod)).toBe(0);
    expect(xenkbdPut(mem, page, { type: 'key', keycode: 2, pressed: true })).toBe(true);
    expect(mem.read32(page + KBD.in_prod)).toBe(1);
    expect(slot(mem, page, 0)[4]).toBe(2); // the later event: index 0 is slot 0 too
    const bogus = keyboard(10);
    bogus.mem.write32(bogus.page + KBD.in_cons, 20);
    expect(xenkbdPut(bogus.mem, bogus.page, { type: 'key', keycode: 1, pressed: true })).toBe(
      false,
    );
    expect(bogus.mem.read32(bogus.page + KBD.in_prod)).toBe(10);
  });
});
