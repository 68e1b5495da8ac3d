// The assembly block front end (lib/xenbus.asm, lib/blkfront.asm) against domain 0's blkback:
// the `disk` guest on a FAT image made by tools/fat.ts, and `blkmix`'s seeded reads and writes
// checked against a model disk byte for byte (book §9.1).

import { describe, expect, it } from 'vitest';
import { PhysMemory, Prng } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { buildFat } from '../../tools/fat.ts';
import { MemoryDisk } from '../dom0/disk.ts';
import { Toolstack } from '../dom0/toolstack.ts';
import { runDomains } from '../xen/schedule.ts';
import { Xen } from '../xen/xen.ts';
import { buildGuest } from './index.ts';

const sources = asmSourcesUnder(new URL('.', import.meta.url).pathname);
const SECTOR = 512;

/** Boots guest `main` with `disk` as its xvda; runs until it is done. */
function boot(main: string, disk: MemoryDisk, cmdline = '', fuel = 20_000_000) {
  const xen = new Xen(new PhysMemory(48 << 20));
  const ts = new Toolstack(xen);
  const d = ts.create(buildGuest(main, sources), { name: main, memoryMiB: 8, cmdline });
  const id = ts.attachDisk(d, disk);
  ts.start(d);
  runDomains(xen, fuel);
  return { xen, ts, d, id, lines: ts.console(d).split('\r\n') };
}

const HELLO = 'Hello from a FAT volume\r\n';

describe('the disk guest', () => {
  it('connects, reads the boot sector and HELLO.TXT, writes its last sector back', () => {
    const image = buildFat(
      [
        { path: '/boot/grub/grub.cfg', data: new TextEncoder().encode('set timeout=0\n') },
        { path: '/HELLO.TXT', data: new TextEncoder().encode(HELLO) },
      ],
      { size: 2 << 20 },
    );
    const disk = new MemoryDisk(image);
    const { lines, xen, ts, d } = boot('disk.asm', disk);
    // HELLO.TXT's sector, found here the way a FAT reader finds it: data start + cluster.
    const root = 1 + 2 * (image[22]! | (image[23]! << 8));
    const rootEntries = image.subarray(root * SECTOR, root * SECTOR + 16 * 32);
    let cluster = -1;
    for (let at = 0; at < rootEntries.length; at += 32) {
      if (String.fromCharCode(...rootEntries.subarray(at, at + 11)) === 'HELLO   TXT') {
        cluster = rootEntries[at + 26]! | (rootEntries[at + 27]! << 8);
      }
    }
    const helloSector = root + 32 + (cluster - 2) * image[13]!;
    expect(lines, xen.logLines.join('\n')).toEqual([
      'disk: connected, 4096 sectors of 512 bytes',
      'disk: sector 0: OEM XENLAB  , signature 0xaa55',
      `disk: HELLO.TXT at sector ${helloSector}: ${HELLO.trimEnd()}`,
      'disk: wrote sector 4095, read it back: same',
      'disk: closed',
      '',
    ]);
    // The write reached the disk: the sector's number, then the pattern.
    const last = disk.bytes.subarray(4095 * SECTOR, 4096 * SECTOR);
    expect(new DataView(last.buffer, last.byteOffset).getUint32(0, true)).toBe(4095);
    expect(last.subarray(4).every((b) => b === 0x5a)).toBe(true);
    const untouched = Buffer.from(disk.bytes.subarray(0, 4095 * SECTOR));
    expect(
      untouched.equals(image.subarray(0, 4095 * SECTOR)),
      'the other sectors as they were',
    ).toBe(true);
    // What the front end told its back end, as blkback read it.
    const fe = `/local/domain/${d.domid}/device/vbd/51712`;
    expect(ts.xs.read(`${fe}/protocol`)).toBe('x86_32-abi');
    expect(ts.xs.read(`${fe}/ring-ref`)).toBe('8');
    expect(ts.xs.read(`${fe}/state`), 'the front end closed the device').toBe('6');
    expect(ts.xs.read(`${ts.xs.read(`${fe}/backend`)}/state`), 'and so did the back end').toBe('6');
    expect(Number(ts.xs.read(`${fe}/event-channel`))).toBeGreaterThan(0);
    expect(d.shutdownReason).toBe(0);
  });
});

/** blkmix's generator, steps and expected console, replayed on a model disk. */
function model(seed: number, ops: number, disk: Uint8Array): { lines: string[]; disk: Uint8Array } {
  const bytes = disk.slice();
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
  return { lines, disk: bytes };
}

describe('blkmix: seeded reads and writes', () => {
  for (const seed of [1, 2, 3]) {
    it(`matches a model disk byte for byte (seed ${seed})`, () => {
      const rng = new Prng(seed);
      const start = new Uint8Array(64 * SECTOR).map(() => rng.below(256));
      const disk = new MemoryDisk(start);
      const ops = 40;
      const { lines, xen } = boot('blkmix.asm', disk, `seed=${seed} ops=${ops}`);
      const want = model(seed, ops, start);
      expect(lines, xen.logLines.join('\n')).toEqual(want.lines);
      expect(lines.filter((l) => l.startsWith('write')).length).toBeGreaterThan(5);
      expect(Buffer.from(disk.bytes).equals(want.disk)).toBe(true);
    });
  }
});

describe('hot-unplug', () => {
  it('the toolstack detaches the disk: the guest closes its end, and the device goes', () => {
    const disk = new MemoryDisk(new Uint8Array(32 * SECTOR));
    const { lines, xen, ts, d, id } = boot('blkmix.asm', disk, 'seed=5 ops=4 unplug=1', 3_000_000);
    expect(lines.slice(-3), xen.logLines.join('\n')).toEqual([
      'blkmix: done',
      'blkmix: waiting for the back end to close',
      '',
    ]);
    expect(ts.vbds.destroyIfClosed(id), 'the device is in use').toBe(false);
    ts.vbds.detach(id);
    runDomains(xen, 3_000_000);
    expect(ts.console(d).split('\r\n').slice(-2)).toEqual(['blkmix: closed', '']);
    const fe = `/local/domain/${d.domid}/device/vbd/51712`;
    expect(ts.xs.read(`${fe}/state`), 'the front end closed').toBe('6');
    expect(ts.vbds.destroyIfClosed(id), 'the back end is Closed: the device goes').toBe(true);
    expect(ts.xs.tryRead(`${fe}/state`)).toBeUndefined();
    expect(d.shutdownReason).toBe(0);
  });
});

describe('a back end that restarts', () => {
  it('blkmix carries on against the new back end: the disk still matches the model', () => {
    const rng = new Prng(9);
    const start = new Uint8Array(48 * SECTOR).map(() => rng.below(256));
    const disk = new MemoryDisk(start);
    const xen = new Xen(new PhysMemory(48 << 20));
    const ts = new Toolstack(xen);
    const d = ts.create(buildGuest('blkmix.asm', sources), {
      name: 'blkmix',
      memoryMiB: 8,
      cmdline: 'seed=9 ops=60',
    });
    ts.attachDisk(d, disk);
    ts.start(d);
    let restarts = 0;
    for (let i = 0; i < 4000 && d.shutdownReason === -1; i++) {
      runDomains(xen, 5_000);
      const done = ts.console(d).split('\r\n').length;
      if (done > 5 && done < 55 && i % 5 === 2) {
        ts.vbds.restartBackend();
        restarts++;
      }
    }
    expect(restarts, 'the back end restarted mid-run').toBeGreaterThan(2);
    const want = model(9, 60, start);
    expect(ts.console(d).split('\r\n'), xen.logLines.join('\n')).toEqual(want.lines);
    expect(Buffer.from(disk.bytes).equals(want.disk)).toBe(true);
  });
});
