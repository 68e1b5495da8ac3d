// The FAT image builder, checked two ways: a reader written here from fatgen103 walks the
// structure itself (boot sector fields, both FATs, cluster chains, directory entries, long
// names) in every `npm test`; Debian's mtools and dosfstools read the same images where they are
// installed (CI installs them: .ci/run), skipped saying so where not.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Prng } from '../sim/host.ts';
import {
  ATTR_DIRECTORY,
  ATTR_LONG_NAME,
  ATTR_VOLUME_ID,
  buildFat,
  FatError,
  type FatInput,
  fatGeometry,
  shortNameChecksum,
} from './fat.ts';
import { fatInputsUnder } from './fat-folder.ts';

// --- A reader, independent of the builder -----------------------------------------------

interface Bpb {
  bytesPerSector: number;
  sectorsPerCluster: number;
  reserved: number;
  fats: number;
  rootEntries: number;
  totalSectors: number;
  media: number;
  sectorsPerFat: number;
  hidden: number;
  type: string;
  clusters: number;
  fatBits: 12 | 16;
}

function bpbOf(v: Uint8Array): Bpb {
  const d = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const bytesPerSector = d.getUint16(11, true);
  const sectorsPerCluster = v[13]!;
  const reserved = d.getUint16(14, true);
  const fats = v[16]!;
  const rootEntries = d.getUint16(17, true);
  const totalSectors = d.getUint16(19, true) || d.getUint32(32, true);
  const sectorsPerFat = d.getUint16(22, true);
  const rootSectors = Math.ceil((rootEntries * 32) / bytesPerSector);
  const data = totalSectors - reserved - fats * sectorsPerFat - rootSectors;
  const clusters = Math.floor(data / sectorsPerCluster);
  return {
    bytesPerSector,
    sectorsPerCluster,
    reserved,
    fats,
    rootEntries,
    totalSectors,
    media: v[21]!,
    sectorsPerFat,
    hidden: d.getUint32(28, true),
    type: String.fromCharCode(...v.subarray(54, 62)),
    clusters,
    // fatgen103: the type follows from the count of clusters alone.
    fatBits: clusters < 4085 ? 12 : 16,
  };
}

class Volume {
  readonly bpb: Bpb;
  constructor(readonly v: Uint8Array) {
    this.bpb = bpbOf(v);
  }

  fat(copy = 0): Uint8Array {
    const b = this.bpb;
    const at = (b.reserved + copy * b.sectorsPerFat) * b.bytesPerSector;
    return this.v.subarray(at, at + b.sectorsPerFat * b.bytesPerSector);
  }

  entry(cluster: number): number {
    const fat = this.fat();
    if (this.bpb.fatBits === 16) return fat[cluster * 2]! | (fat[cluster * 2 + 1]! << 8);
    const at = Math.floor((cluster * 3) / 2);
    const word = fat[at]! | (fat[at + 1]! << 8);
    return cluster & 1 ? word >> 4 : word & 0xfff;
  }

  /** The clusters of a chain, checking every link stays in the volume and ends. */
  chain(first: number): number[] {
    const end = this.bpb.fatBits === 12 ? 0xff8 : 0xfff8;
    const out: number[] = [];
    for (let c = first; ; c = this.entry(c)) {
      expect(c, `chain from ${first}`).toBeGreaterThanOrEqual(2);
      expect(c, `chain from ${first}`).toBeLessThan(this.bpb.clusters + 2);
      expect(out, 'a chain does not loop').not.toContain(c);
      out.push(c);
      if (this.entry(c) >= end) return out;
    }
  }

  read(first: number, size?: number): Uint8Array {
    const b = this.bpb;
    const rootSectors = Math.ceil((b.rootEntries * 32) / b.bytesPerSector);
    const dataStart = b.reserved + b.fats * b.sectorsPerFat + rootSectors;
    const clusterBytes = b.sectorsPerCluster * b.bytesPerSector;
    const parts = this.chain(first).map((c) => {
      const at = (dataStart + (c - 2) * b.sectorsPerCluster) * b.bytesPerSector;
      return this.v.subarray(at, at + clusterBytes);
    });
    const all = new Uint8Array(parts.length * clusterBytes);
    for (const [i, p] of parts.entries()) all.set(p, i * clusterBytes);
    return size === undefined ? all : all.subarray(0, size);
  }

  rootBytes(): Uint8Array {
    const b = this.bpb;
    const at = (b.reserved + b.fats * b.sectorsPerFat) * b.bytesPerSector;
    return this.v.subarray(at, at + b.rootEntries * 32);
  }
}

interface Entry {
  name: string;
  short: string;
  attr: number;
  cluster: number;
  size: number;
}

/** A directory's entries, long names joined and their checksums checked. */
function listDirectory(bytes: Uint8Array): Entry[] {
  const out: Entry[] = [];
  let long: string[] = [];
  let longSum = -1;
  for (let at = 0; at < bytes.length; at += 32) {
    const e = bytes.subarray(at, at + 32);
    if (e[0] === 0) break;
    if (e[0] === 0xe5) continue;
    if (e[11] === ATTR_LONG_NAME) {
      const units: number[] = [];
      for (const slot of [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30]) {
        units.push(e[slot]! | (e[slot + 1]! << 8));
      }
      const end = units.indexOf(0);
      const text = String.fromCharCode(...(end < 0 ? units : units.slice(0, end)));
      if (e[0]! & 0x40) long = [];
      long[(e[0]! & 0x1f) - 1] = text;
      longSum = e[13]!;
      continue;
    }
    const shortBytes = e.subarray(0, 11);
    const short = String.fromCharCode(...shortBytes);
    const dosName = `${short.slice(0, 8).trimEnd()}${short.slice(8).trim() ? `.${short.slice(8).trim()}` : ''}`;
    let name = dosName;
    if (long.length > 0) {
      expect(longSum, `long name checksum of ${short}`).toBe(shortNameChecksum(shortBytes));
      name = long.join('');
    }
    long = [];
    const d = new DataView(e.buffer, e.byteOffset, 32);
    out.push({
      name,
      short,
      attr: e[11]!,
      cluster: d.getUint16(26, true),
      size: d.getUint32(28, true),
    });
  }
  return out;
}

/** Every file of the volume by path, read through the FAT. */
function readAll(vol: Volume): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (entries: Entry[], prefix: string, self: number, parent: number) => {
    for (const e of entries) {
      if (e.attr & ATTR_VOLUME_ID) continue;
      if (e.name === '.' || e.name === '..') {
        expect(e.cluster, `${prefix}/${e.name}`).toBe(e.name === '.' ? self : parent);
        continue;
      }
      const path = `${prefix}/${e.name}`;
      if (e.attr & ATTR_DIRECTORY) {
        files.set(`${path}/`, new Uint8Array());
        walk(listDirectory(vol.read(e.cluster)), path, e.cluster, self);
      } else {
        files.set(path, e.size === 0 ? new Uint8Array() : vol.read(e.cluster, e.size).slice());
      }
    }
  };
  walk(listDirectory(vol.rootBytes()), '', 0, 0);
  return files;
}

const text = (s: string) => new TextEncoder().encode(s);

const GRUB_TREE: FatInput[] = [
  { path: '/boot/grub/grub.cfg', data: text('set timeout=0\nmenuentry xenlab {\n}\n') },
  { path: '/README.TXT', data: text('a xenlab disk\n') },
  { path: '/boot/kernel-with-a-long-name.bin', data: new Uint8Array(5000).map((_, i) => i) },
  { path: '/empty', data: new Uint8Array() },
  { path: '/lost+found', directory: true },
];

/** A seeded random tree: nested directories, names long and short, sizes across clusters. */
function randomTree(seed: number): FatInput[] {
  const rng = new Prng(seed);
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_- .';
  const name = () => {
    const len = 1 + rng.below(20);
    let s = '';
    for (let i = 0; i < len; i++) s += chars[rng.below(chars.length)];
    s = s.trim().replace(/^\.+|\.+$/g, '');
    return s === '' ? `f${rng.below(1000)}` : s;
  };
  const dirs = [''];
  const files: FatInput[] = [];
  const used = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const parent = dirs[rng.below(dirs.length)]!;
    const path = `${parent}/${name()}`;
    if (used.has(path.toUpperCase())) continue;
    used.add(path.toUpperCase());
    if (rng.below(4) === 0 && parent.split('/').length < 5) {
      dirs.push(path);
      files.push({ path, directory: true });
    } else {
      const data = new Uint8Array(rng.below(3) === 0 ? rng.below(20_000) : rng.below(700));
      for (let j = 0; j < data.length; j++) data[j] = rng.below(256);
      files.push({ path, data });
    }
  }
  return files;
}

/** What readAll should find for `inputs`: files by path, directories as `path/`. */
function expected(inputs: readonly FatInput[]): Map<string, Uint8Array> {
  const map = new Map<string, Uint8Array>();
  for (const input of inputs) {
    const parts = input.path.split('/').filter((p) => p);
    for (let i = 1; i < parts.length; i++)
      map.set(`/${parts.slice(0, i).join('/')}/`, new Uint8Array());
    if ('data' in input) map.set(`/${parts.join('/')}`, input.data);
    else map.set(`/${parts.join('/')}/`, new Uint8Array());
  }
  return map;
}

function sorted(m: Map<string, Uint8Array>): Array<[string, number[]]> {
  return [...m]
    .map(([k, v]): [string, number[]] => [k, [...v]])
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

describe('the FAT builder, read back by a reader written from fatgen103', () => {
  it('writes a boot sector whose fields describe a FAT12 volume of 1 MiB', () => {
    const image = buildFat(GRUB_TREE, { size: 1 << 20 });
    expect(image.length).toBe(1 << 20);
    const b = bpbOf(image);
    expect([image[510], image[511]]).toEqual([0x55, 0xaa]);
    expect(image[0]).toBe(0xeb);
    expect(image[2]).toBe(0x90);
    expect(b).toMatchObject({
      bytesPerSector: 512,
      reserved: 1,
      fats: 2,
      rootEntries: 512,
      totalSectors: 2048,
      media: 0xf8,
      hidden: 0,
      type: 'FAT12   ',
      fatBits: 12,
    });
    // The FAT holds an entry for every cluster, and the data region ends inside the image.
    expect(b.sectorsPerFat * 512 * 2).toBeGreaterThanOrEqual((b.clusters + 2) * 3);
    expect(image[38]).toBe(0x29);
    expect(String.fromCharCode(...image.subarray(43, 54))).toBe('XENLAB     ');
  });

  it('makes FAT16 when the clusters are too many for FAT12, and says so in the boot sector', () => {
    const image = buildFat(GRUB_TREE, { size: 64 << 20 });
    const b = bpbOf(image);
    expect(b.fatBits).toBe(16);
    expect(b.type).toBe('FAT16   ');
    expect(b.clusters).toBeGreaterThanOrEqual(4085);
    expect(b.clusters).toBeLessThan(65525);
    expect(b.sectorsPerFat * 512).toBeGreaterThanOrEqual((b.clusters + 2) * 2);
    expect(new Volume(image).entry(0)).toBe(0xfff8);
    expect(new Volume(image).entry(1)).toBe(0xffff);
  });

  it('picks each size’s type by its count of clusters, at the FAT12/FAT16 edge too', () => {
    for (let sectors = 8000; sectors < 9000; sectors += 7) {
      const g = fatGeometry(sectors);
      expect(g.fatBits).toBe(g.clusters < 4085 ? 12 : 16);
      expect(g.firstDataSector + g.clusters * g.sectorsPerCluster).toBeLessThanOrEqual(sectors);
      expect(g.sectorsPerFat * 512).toBeGreaterThanOrEqual(((g.clusters + 2) * g.fatBits) / 8);
    }
  });

  it('keeps two identical FATs whose chains hold every file, and reads every byte back', () => {
    for (const size of [1 << 20, 64 << 20]) {
      const vol = new Volume(buildFat(GRUB_TREE, { size }));
      expect([...vol.fat(1)]).toEqual([...vol.fat(0)]);
      expect(sorted(readAll(vol))).toEqual(sorted(expected(GRUB_TREE)));
    }
  });

  it('names 8.3 upper-case files shortly, gives others long names with the right checksum', () => {
    const vol = new Volume(buildFat(GRUB_TREE));
    const root = listDirectory(vol.rootBytes());
    expect(root.map((e) => [e.name, e.short])).toEqual([
      ['XENLAB', 'XENLAB     '],
      ['boot', 'BOOT       '],
      ['README.TXT', 'README  TXT'],
      ['empty', 'EMPTY      '],
      ['lost+found', 'LOST_F~1   '],
    ]);
    // README.TXT needs no long name: the slot before its entry is boot's short entry.
    const bytes = vol.rootBytes();
    const slots = Array.from({ length: 8 }, (_, i) => bytes.subarray(i * 32, i * 32 + 32));
    const readme = slots.findIndex(
      (e) => String.fromCharCode(...e.subarray(0, 11)) === 'README  TXT',
    );
    expect(slots[readme - 1]![11]).toBe(ATTR_DIRECTORY);
    expect(slots.filter((e) => e[11] === ATTR_LONG_NAME)).toHaveLength(3); // boot, empty, lost+found
    const boot = listDirectory(vol.read(root[1]!.cluster));
    expect(boot.map((e) => e.short)).toEqual([
      '.          ',
      '..         ',
      'GRUB       ',
      'KERNEL~1BIN',
    ]);
  });

  it('reads back seeded random trees byte for byte, FAT12 and FAT16, partitioned or not', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const tree = randomTree(seed);
      const partition = seed % 2 === 0;
      const size = seed % 3 === 0 ? 40 << 20 : undefined;
      const image = buildFat(tree, { size, partition });
      const start = partition ? 2048 * 512 : 0;
      const vol = new Volume(image.subarray(start));
      expect(sorted(readAll(vol)), `seed ${seed}`).toEqual(sorted(expected(tree)));
      if (partition) expect(vol.bpb.hidden).toBe(2048);
    }
  });

  it('puts the volume in an MBR partition at sector 2048 when asked', () => {
    const image = buildFat(GRUB_TREE, { size: 8 << 20, partition: true });
    const d = new DataView(image.buffer);
    expect([image[510], image[511]]).toEqual([0x55, 0xaa]);
    expect(image[446]).toBe(0x80);
    expect(image[446 + 4]).toBe(0x04); // FAT16 under 32 MiB
    expect(d.getUint32(446 + 8, true)).toBe(2048);
    expect(d.getUint32(446 + 12, true)).toBe((8 << 11) - 2048);
    expect(d.getUint32(462 + 8, true)).toBe(0); // one partition only
    const vol = new Volume(image.subarray(2048 * 512));
    expect(vol.bpb.totalSectors).toBe((8 << 11) - 2048);
    expect(sorted(readAll(vol))).toEqual(sorted(expected(GRUB_TREE)));
  });

  it('gives the same bytes for the same input', () => {
    expect(Buffer.from(buildFat(randomTree(7))).equals(buildFat(randomTree(7)))).toBe(true);
  });

  it('refuses what does not fit or cannot be named, saying why', () => {
    const big = [{ path: '/big', data: new Uint8Array(2 << 20) }];
    expect(() => buildFat(big, { size: 1 << 20 })).toThrow(
      /more than the volume's .* give a larger size/,
    );
    const many = Array.from({ length: 600 }, (_, i) => ({
      path: `/F${i}`,
      data: new Uint8Array(1),
    }));
    expect(() => buildFat(many)).toThrow(/root directory holds 512 entries/);
    expect(() => buildFat([{ path: '/a:b', data: new Uint8Array(1) }])).toThrow(FatError);
    expect(() =>
      buildFat([
        { path: '/A.TXT', data: new Uint8Array(1) },
        { path: '/a.txt', data: new Uint8Array(1) },
      ]),
    ).toThrow(/given twice/);
    expect(() => buildFat([], { size: 4 << 30 })).toThrow(/between 64 KiB and 2 GiB/);
  });
});

// --- Debian's tools on the same images ---------------------------------------------------

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const hasMtools = has('mdir');
const hasFsck = has('fsck.fat');
const title = (what: string, ok: boolean, pkg: string) =>
  ok ? what : `${what} — SKIPPED: ${pkg} is not installed (apt-get install ${pkg})`;

function workdir(): string {
  return mkdtempSync(join(tmpdir(), 'xenlab-fat-'));
}

function tool(cmd: string, ...args: string[]) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, MTOOLSRC: '/dev/null' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.skipIf(!hasMtools)(title('mtools read the images', hasMtools, 'mtools'), () => {
  it('lists /boot/grub and prints grub.cfg (mdir, mtype), plain and partitioned', () => {
    const dir = workdir();
    for (const partition of [false, true]) {
      const img = join(dir, `disk-${partition}.img`);
      writeFileSync(img, buildFat(GRUB_TREE, { size: 16 << 20, partition }));
      const target = partition ? `${img}@@${2048 * 512}` : img;
      const ls = tool('mdir', '-i', target, '::/boot/grub');
      expect(ls.err).toBe('');
      expect(ls.out).toMatch(/GRUB {5}CFG {8}35 .* grub\.cfg/);
      const cat = tool('mtype', '-i', target, '::/boot/grub/grub.cfg');
      expect(cat.out).toBe('set timeout=0\nmenuentry xenlab {\n}\n');
    }
  });

  it('copies every file of seeded random trees out unchanged (mcopy -s)', () => {
    for (let seed = 20; seed < 24; seed++) {
      const dir = workdir();
      const tree = randomTree(seed);
      const img = join(dir, 'disk.img');
      writeFileSync(img, buildFat(tree, { size: seed % 2 ? 48 << 20 : undefined }));
      const out = join(dir, 'out');
      mkdirSync(out);
      const r = tool('mcopy', '-s', '-n', '-i', img, '::/*', out);
      expect(r.code, r.err).toBe(0);
      const got = new Map(
        fatInputsUnder(out).map((i): [string, Uint8Array] =>
          'data' in i ? [i.path, i.data] : [`${i.path}/`, new Uint8Array()],
        ),
      );
      expect(sorted(got), `seed ${seed}`).toEqual(sorted(expected(tree)));
    }
  });
});

describe.skipIf(!hasFsck)(title('dosfstools checks the images', hasFsck, 'dosfstools'), () => {
  it('fsck.fat -n finds nothing to fix in FAT12 and FAT16 images', () => {
    const dir = workdir();
    for (const [seed, size] of [
      [31, undefined],
      [32, 64 << 20],
      [33, 300 << 20],
    ] as const) {
      const img = join(dir, `disk-${seed}.img`);
      writeFileSync(img, buildFat(randomTree(seed), { size }));
      const r = tool('fsck.fat', '-n', img);
      expect(r.code, `${r.out}${r.err}`).toBe(0);
      expect(r.out).not.toMatch(/differ|invalid|bad|Free cluster summary wrong/i);
    }
    expect(readFileSync(join(dir, 'disk-31.img')).length).toBeGreaterThan(0);
  });
});
