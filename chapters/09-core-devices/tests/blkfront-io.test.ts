// 09-blkfront-io: the book's data transfer (§9.1.2) on the guest side — a blkif request in the
// ring's next slot naming a granted page and its sectors, the back end notified, the response
// awaited on the event channel and taken. Checked by what reaches the disk and what comes back.

import { describe, expect, test } from 'vitest';
import { PhysMemory } from '../../../sim/host.ts';
import { buildFat } from '../../../tools/fat.ts';
import { guestSources, testRng } from '../../testing/index.ts';
import { MemoryDisk } from '../src/dom0/disk.ts';
import { Toolstack } from '../src/dom0/toolstack.ts';
import { buildGuest } from '../src/guests/index.ts';
import { runDomains } from '../src/xen/schedule.ts';
import { Xen } from '../src/xen/xen.ts';

const FUEL = 20_000_000;
const SECTOR = 512;

function boot(main: string, disk: MemoryDisk, cmdline = '') {
  const xen = new Xen(new PhysMemory(48 << 20));
  const ts = new Toolstack(xen);
  const d = ts.create(buildGuest(main, guestSources(import.meta.url)), {
    name: main,
    memoryMiB: 8,
    cmdline,
  });
  ts.attachDisk(d, disk);
  ts.start(d);
  runDomains(xen, FUEL);
  const lines = ts.console(d).split('\r\n');
  return {
    xen,
    lines,
    why: `the guest's console:\n${lines.join('\n')}\n${xen.logLines.join('\n')}`,
  };
}

/** blkmix's steps replayed on a model disk: the console it should print, the disk after. */
function model(seed: number, ops: number, start: Uint8Array) {
  const bytes = start.slice();
  const sectors = bytes.length / SECTOR;
  let x = seed >>> 0;
  const next = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x;
  };
  const lines: string[] = [];
  for (let i = 0; i < ops; i++) {
    const write = (next() >>> 16) & 1;
    const count = ((next() >>> 16) & 7) + 1;
    const first = next() % (sectors - count + 1);
    const view = new DataView(bytes.buffer, first * SECTOR, count * SECTOR);
    if (write) {
      for (let k = 0; k < count * 128; k++) view.setUint32(k * 4, next(), true);
      lines.push(`write ${first}+${count}`);
    } else {
      let sum = 0;
      for (let k = 0; k < count * 128; k++) {
        sum = (((sum << 1) | (sum >>> 31)) + view.getUint32(k * 4, true)) >>> 0;
      }
      lines.push(`read ${first}+${count}: sum ${sum}`);
    }
  }
  lines.push('blkmix: done', '');
  return { lines, bytes };
}

describe('09-blkfront-io', () => {
  test('the disk guest reads its FAT volume’s boot sector and a file, and writes a sector', () => {
    const rng = testRng('09-blkfront-io/disk');
    const text = `a file of seed ${rng.below(1_000_000)}`;
    const image = buildFat([{ path: '/HELLO.TXT', data: new TextEncoder().encode(text) }], {
      size: 1 << 20,
    });
    const disk = new MemoryDisk(image);
    const { lines, why } = boot('disk.asm', disk);
    expect(lines[1], why).toBe('disk: sector 0: OEM XENLAB  , signature 0xaa55');
    expect(lines[2], why).toMatch(
      new RegExp(`^disk: HELLO.TXT at sector \\d+: ${text}disk: wrote`),
    );
    expect(lines[2], why).toMatch(/wrote sector 2047, read it back: same$/);
    expect(lines[3], why).toBe('disk: closed');
    const last = disk.bytes.subarray(2047 * SECTOR);
    expect(new DataView(last.buffer, last.byteOffset).getUint32(0, true), 'on the disk').toBe(2047);
    expect(
      last.subarray(4).every((b) => b === 0x5a),
      'the whole sector reached the disk',
    ).toBe(true);
  });

  for (const label of ['a', 'b', 'c']) {
    test(`seeded reads and writes of 1 to 8 sectors match a model disk byte for byte (${label})`, () => {
      const rng = testRng(`09-blkfront-io/mix-${label}`);
      const seed = rng.below(0x1_0000_0000);
      const sectors = 16 + rng.below(64);
      const start = new Uint8Array(sectors * SECTOR).map(() => rng.below(256));
      const disk = new MemoryDisk(start);
      const ops = 40;
      const { lines, why } = boot('blkmix.asm', disk, `seed=${seed} ops=${ops}`);
      const want = model(seed, ops, start);
      expect(lines, why).toEqual(want.lines);
      const differs = want.bytes.findIndex((b, i) => disk.bytes[i] !== b);
      expect(
        differs === -1 ? null : `first difference in sector ${Math.floor(differs / SECTOR)}`,
      ).toBeNull();
    });
  }
});
