// A FAT12/FAT16 filesystem image from a list of files, for the virtual disks of book §9.1
// (blkback serves it, GRUB and the guests read it). Microsoft's "FAT: General Overview of
// On-Disk Format" (fatgen103) gives the layout; portable: it takes and returns bytes.
//
// The volume: a boot sector with the BIOS parameter block, two copies of the FAT, a root
// directory of ROOT_ENTRIES entries, then the data clusters. Directories and files get
// contiguous clusters in the order of a depth-first walk; names that are not exactly 8.3 in
// upper case get long-name (VFAT) entries before their short entry. Optionally an MBR with one
// partition holds the volume. The same input always gives the same bytes.

export const SECTOR_SIZE = 512;
const DIR_ENTRY_SIZE = 32;
const ROOT_ENTRIES = 512;
const RESERVED_SECTORS = 1;
const FAT_COPIES = 2;
/** fatgen103: fewer clusters than this is FAT12, fewer than FAT16_LIMIT is FAT16. */
const FAT12_LIMIT = 4085;
const FAT16_LIMIT = 65525;
/** The disk's pretend geometry (LBA-only readers ignore it; CHS fields need one). */
const HEADS = 64;
const SECTORS_PER_TRACK = 32;
const MEDIA_FIXED = 0xf8;

export const ATTR_READ_ONLY = 0x01;
export const ATTR_VOLUME_ID = 0x08;
export const ATTR_DIRECTORY = 0x10;
export const ATTR_ARCHIVE = 0x20;
/** A long-name entry: read-only | hidden | system | volume id. */
export const ATTR_LONG_NAME = 0x0f;
const LFN_CHARS = 13;
const LFN_LAST = 0x40;

/** MBR partition types for a FAT volume that LBA readers find (fdisk's names). */
const PART_FAT12 = 0x01;
const PART_FAT16_SMALL = 0x04;
const PART_FAT16 = 0x06;

/** One file or directory of the image; `path` is absolute with `/` separators. */
export type FatInput = { path: string; data: Uint8Array } | { path: string; directory: true };

export interface FatOptions {
  /** The whole image's size in bytes (rounded up to a sector); default: what fits the files. */
  size?: number;
  /** An MBR with one partition holding the volume, starting at this sector (2048 if true). */
  partition?: boolean | number;
  /** The volume label, up to 11 characters (default XENLAB). */
  label?: string;
  /** Volume serial number (default fixed, so images are reproducible). */
  serial?: number;
  /** Every entry's time stamp (default 2000-01-01 00:00). */
  time?: Date;
}

/** The volume's parameters, as the BIOS parameter block states them. */
export interface FatGeometry {
  fatBits: 12 | 16;
  totalSectors: number;
  sectorsPerCluster: number;
  sectorsPerFat: number;
  rootSectors: number;
  /** First data sector (cluster 2), relative to the volume. */
  firstDataSector: number;
  clusters: number;
}

interface Node {
  name: string;
  data: Uint8Array | null; // null: a directory
  children: Node[];
  firstCluster: number;
  shortName: Uint8Array;
}

export class FatError extends Error {}

/** Builds the image. Throws FatError when the files do not fit or a name is unusable. */
export function buildFat(inputs: readonly FatInput[], options: FatOptions = {}): Uint8Array {
  const root = tree(inputs);
  const partitionStart =
    options.partition === true ? 2048 : options.partition === false ? 0 : (options.partition ?? 0);
  const size = options.size ?? defaultSize(root, partitionStart);
  const imageSectors = Math.ceil(size / SECTOR_SIZE);
  const volumeSectors = imageSectors - partitionStart;
  const geometry = fatGeometry(volumeSectors);
  const image = new Uint8Array(imageSectors * SECTOR_SIZE);
  const volume = image.subarray(partitionStart * SECTOR_SIZE);
  allocate(root, geometry);
  const label = volumeLabel(options.label ?? 'XENLAB');
  const stamp = dosTime(options.time ?? new Date(Date.UTC(2000, 0, 1)));
  writeBootSector(volume, geometry, {
    hidden: partitionStart,
    serial: options.serial ?? 0x58454e4c,
    label,
  });
  writeFats(volume, geometry, root);
  writeDirectories(volume, geometry, root, label, stamp);
  if (partitionStart > 0) writeMbr(image, partitionStart, volumeSectors, geometry.fatBits);
  return image;
}

// --- The tree ---------------------------------------------------------------------------

function tree(inputs: readonly FatInput[]): Node {
  const root = node('', null);
  for (const input of inputs) {
    const parts = input.path.split('/').filter((p) => p !== '');
    if (parts.length === 0) throw new FatError(`${input.path}: not a file's path`);
    let dir = root;
    for (const [i, part] of parts.entries()) {
      checkName(part, input.path);
      const last = i === parts.length - 1;
      const existing = dir.children.find((c) => c.name.toUpperCase() === part.toUpperCase());
      if (last && 'data' in input) {
        if (existing !== undefined) throw new FatError(`${input.path}: given twice`);
        dir.children.push(node(part, input.data));
      } else if (existing === undefined) {
        const made = node(part, null);
        dir.children.push(made);
        dir = made;
      } else if (existing.data !== null) {
        throw new FatError(`${input.path}: ${part} is a file, not a directory`);
      } else {
        dir = existing;
      }
    }
  }
  nameShortly(root);
  return root;
}

function node(name: string, data: Uint8Array | null): Node {
  return { name, data, children: [], firstCluster: 0, shortName: new Uint8Array(11) };
}

function checkName(name: string, path: string): void {
  const control = [...name].some((c) => c.charCodeAt(0) < 0x20);
  if (name === '.' || name === '..' || name.length > 255 || control || /["*/:<>?\\|]/.test(name)) {
    throw new FatError(`${path}: "${name}" cannot be a FAT file name`);
  }
}

// --- Names ------------------------------------------------------------------------------

/** Characters a short name may hold (fatgen103, "Short name"), besides letters and digits. */
const SHORT_NAME_EXTRA = "$%'-_@~`!(){}^#&";

function shortChar(c: string): string {
  const upper = c.toUpperCase();
  return /^[A-Z0-9]$/.test(upper) || SHORT_NAME_EXTRA.includes(upper) ? upper : '_';
}

/** The 11 bytes of an 8.3 name, or null when `name` is not one (upper case or not). */
function exact83(name: string): string | null {
  const m = /^([^.]{1,8})(?:\.([^.]{1,3}))?$/.exec(name);
  if (m === null) return null;
  const [base, ext = ''] = [m[1]!, m[2]];
  const mapped = `${base.padEnd(8)}${ext.padEnd(3)}`;
  return [...`${base}${ext}`].every((c) => shortChar(c) === c.toUpperCase())
    ? mapped.toUpperCase()
    : null;
}

/**
 * Gives every entry of every directory its short name: its own when it is 8.3, otherwise a basis
 * name with a numeric tail (~1, ~2, …) unique in its directory, as Windows makes them.
 */
function nameShortly(dir: Node): void {
  const taken = new Set<string>();
  const needsTail: Node[] = [];
  for (const child of dir.children) {
    const own = exact83(child.name);
    if (own !== null && !taken.has(own)) {
      taken.add(own);
      child.shortName = ascii(own);
    } else {
      needsTail.push(child);
    }
  }
  for (const child of needsTail) {
    const dot = child.name.lastIndexOf('.');
    const hasExt = dot > 0;
    const strip = (s: string) => [...s.replace(/[ .]/g, '')].map(shortChar).join('');
    const base = strip(hasExt ? child.name.slice(0, dot) : child.name) || '_';
    const ext = hasExt ? strip(child.name.slice(dot + 1)).slice(0, 3) : '';
    let n = 1;
    for (;;) {
      const tail = `~${n}`;
      const candidate = `${base.slice(0, 8 - tail.length)}${tail}`.padEnd(8) + ext.padEnd(3);
      if (!taken.has(candidate)) {
        taken.add(candidate);
        child.shortName = ascii(candidate);
        break;
      }
      n++;
      if (n > 999_999) throw new FatError(`${child.name}: no free short name`);
    }
  }
  for (const child of dir.children) if (child.data === null) nameShortly(child);
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Whether an entry needs long-name entries: its name is not its short name exactly. */
function needsLongName(n: Node): boolean {
  return exact83(n.name) !== String.fromCharCode(...n.shortName) || n.name !== n.name.toUpperCase();
}

/** The checksum of a short name that its long-name entries carry (fatgen103). */
export function shortNameChecksum(shortName: Uint8Array): number {
  let sum = 0;
  for (const b of shortName) sum = (((sum & 1) << 7) + (sum >> 1) + b) & 0xff;
  return sum;
}

function volumeLabel(label: string): Uint8Array {
  if (label.length > 11 || [...label].some((c) => c !== ' ' && shortChar(c) !== c.toUpperCase())) {
    throw new FatError(`volume label "${label}": up to 11 letters, digits or ${SHORT_NAME_EXTRA}`);
  }
  return ascii(label.toUpperCase().padEnd(11));
}

// --- Layout -----------------------------------------------------------------------------

/** Directory entries a directory's listing takes: its children's, with long names, . and .. */
function entryCount(dir: Node, isRoot: boolean): number {
  let count = isRoot ? 1 : 2; // the volume label, or . and ..
  for (const child of dir.children) {
    count += 1 + (needsLongName(child) ? Math.ceil(child.name.length / LFN_CHARS) : 0);
  }
  return count;
}

/** Bytes the files and directories below `dir` need, each rounded to `clusterBytes`. */
function contentBytes(dir: Node, clusterBytes: number): number {
  let total = 0;
  for (const child of dir.children) {
    const bytes =
      child.data === null
        ? entryCount(child, false) * DIR_ENTRY_SIZE + contentBytes(child, clusterBytes)
        : child.data.length;
    total += Math.ceil(bytes / clusterBytes) * clusterBytes;
  }
  return total;
}

/** A size that holds the files with a quarter to spare, at least 1 MiB, in whole MiB. */
function defaultSize(root: Node, partitionStart: number): number {
  const need = contentBytes(root, 4096) * 1.25 + 64 * 1024 + partitionStart * SECTOR_SIZE;
  const mib = 1024 * 1024;
  return Math.max(mib, Math.ceil(need / mib) * mib);
}

/**
 * The volume's parameters for `totalSectors`: the smallest cluster that keeps the count under
 * FAT16's limit; FAT12 when the count is under FAT12's. The FAT is sized for 16-bit entries
 * either way (a FAT larger than its clusters need is allowed), so the count, which decides
 * the type, does not move when the type does.
 */
export function fatGeometry(totalSectors: number): FatGeometry {
  const rootSectors = (ROOT_ENTRIES * DIR_ENTRY_SIZE) / SECTOR_SIZE;
  for (let sectorsPerCluster = 1; sectorsPerCluster <= 64; sectorsPerCluster *= 2) {
    const before = RESERVED_SECTORS + rootSectors;
    // Clusters c and FAT size f: c = floor((T - before - 2f) / spc), f = ceil((c + 2) * 2 / 512).
    let sectorsPerFat = 1;
    let clusters = 0;
    for (;;) {
      clusters = Math.floor(
        (totalSectors - before - FAT_COPIES * sectorsPerFat) / sectorsPerCluster,
      );
      const need = Math.ceil(((clusters + 2) * 2) / SECTOR_SIZE);
      if (need <= sectorsPerFat) break;
      sectorsPerFat = need;
    }
    if (clusters < 1) break;
    if (clusters >= FAT16_LIMIT) continue;
    return {
      fatBits: clusters < FAT12_LIMIT ? 12 : 16,
      totalSectors,
      sectorsPerCluster,
      sectorsPerFat,
      rootSectors,
      firstDataSector: before + FAT_COPIES * sectorsPerFat,
      clusters,
    };
  }
  throw new FatError(
    `a FAT12/16 volume of ${totalSectors} sectors cannot be made: between 64 KiB and 2 GiB`,
  );
}

/** Gives directories and files their clusters, contiguous, depth first. */
function allocate(root: Node, g: FatGeometry): void {
  const clusterBytes = g.sectorsPerCluster * SECTOR_SIZE;
  let next = 2;
  const walk = (dir: Node) => {
    for (const child of dir.children) {
      const bytes =
        child.data === null ? entryCount(child, false) * DIR_ENTRY_SIZE : child.data.length;
      const count = Math.ceil(bytes / clusterBytes);
      child.firstCluster = count === 0 ? 0 : next;
      next += count;
      if (next - 2 > g.clusters) {
        throw new FatError(
          `the files need more than the volume's ${g.clusters} clusters of ${clusterBytes} bytes: give a larger size`,
        );
      }
      if (child.data === null) walk(child);
    }
  };
  if (entryCount(root, true) > ROOT_ENTRIES) {
    throw new FatError(`the root directory holds ${ROOT_ENTRIES} entries: use subdirectories`);
  }
  walk(root);
}

// --- Writing ----------------------------------------------------------------------------

function le16(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
}

function le32(b: Uint8Array, at: number, v: number): void {
  le16(b, at, v & 0xffff);
  le16(b, at + 2, v >>> 16);
}

function writeBootSector(
  v: Uint8Array,
  g: FatGeometry,
  id: { hidden: number; serial: number; label: Uint8Array },
): void {
  v.set([0xeb, 0x3c, 0x90], 0); // jmp short over the BPB to the boot code, nop
  v.set(ascii('XENLAB  '), 3); // OEM name
  le16(v, 11, SECTOR_SIZE);
  v[13] = g.sectorsPerCluster;
  le16(v, 14, RESERVED_SECTORS);
  v[16] = FAT_COPIES;
  le16(v, 17, ROOT_ENTRIES);
  le16(v, 19, g.totalSectors < 0x10000 ? g.totalSectors : 0);
  v[21] = MEDIA_FIXED;
  le16(v, 22, g.sectorsPerFat);
  le16(v, 24, SECTORS_PER_TRACK);
  le16(v, 26, HEADS);
  le32(v, 28, id.hidden);
  le32(v, 32, g.totalSectors < 0x10000 ? 0 : g.totalSectors);
  v[36] = 0x80; // drive number: the first hard disk
  v[38] = 0x29; // extended boot signature: serial, label and type follow
  le32(v, 39, id.serial);
  v.set(id.label, 43);
  v.set(ascii(g.fatBits === 12 ? 'FAT12   ' : 'FAT16   '), 54);
  // Boot code: not a bootable volume; BIOS boot lands in int 18h (no bootable disk), then halts.
  v.set([0xcd, 0x18, 0xf4, 0xeb, 0xfd], 62);
  v[510] = 0x55;
  v[511] = 0xaa;
}

function setFatEntry(fat: Uint8Array, bits: 12 | 16, cluster: number, value: number): void {
  if (bits === 16) {
    le16(fat, cluster * 2, value);
    return;
  }
  const at = cluster + (cluster >> 1); // 1.5 bytes per entry
  if (cluster & 1) {
    fat[at] = (fat[at]! & 0x0f) | ((value << 4) & 0xf0);
    fat[at + 1] = (value >> 4) & 0xff;
  } else {
    fat[at] = value & 0xff;
    fat[at + 1] = (fat[at + 1]! & 0xf0) | ((value >> 8) & 0x0f);
  }
}

function writeFats(v: Uint8Array, g: FatGeometry, root: Node): void {
  const fat = new Uint8Array(g.sectorsPerFat * SECTOR_SIZE);
  const endOfChain = g.fatBits === 12 ? 0xfff : 0xffff;
  setFatEntry(fat, g.fatBits, 0, (endOfChain & ~0xff) | MEDIA_FIXED);
  setFatEntry(fat, g.fatBits, 1, endOfChain);
  const clusterBytes = g.sectorsPerCluster * SECTOR_SIZE;
  const chain = (n: Node) => {
    const bytes = n.data === null ? entryCount(n, false) * DIR_ENTRY_SIZE : n.data.length;
    const count = Math.ceil(bytes / clusterBytes);
    for (let i = 0; i < count; i++) {
      const c = n.firstCluster + i;
      setFatEntry(fat, g.fatBits, c, i === count - 1 ? endOfChain : c + 1);
    }
    for (const child of n.children) chain(child);
  };
  for (const child of root.children) chain(child);
  for (let copy = 0; copy < FAT_COPIES; copy++) {
    v.set(fat, (RESERVED_SECTORS + copy * g.sectorsPerFat) * SECTOR_SIZE);
  }
}

/** A DOS date and time stamp (2-second resolution, from 1980). */
function dosTime(t: Date): { date: number; time: number } {
  return {
    date: ((t.getUTCFullYear() - 1980) << 9) | ((t.getUTCMonth() + 1) << 5) | t.getUTCDate(),
    time: (t.getUTCHours() << 11) | (t.getUTCMinutes() << 5) | (t.getUTCSeconds() >> 1),
  };
}

function clusterOffset(g: FatGeometry, cluster: number): number {
  return (g.firstDataSector + (cluster - 2) * g.sectorsPerCluster) * SECTOR_SIZE;
}

function writeDirectories(
  v: Uint8Array,
  g: FatGeometry,
  root: Node,
  label: Uint8Array,
  stamp: { date: number; time: number },
): void {
  const short = (at: number, name: Uint8Array, attr: number, cluster: number, size: number) => {
    v.set(name, at);
    v[at + 11] = attr;
    le16(v, at + 14, stamp.time); // created
    le16(v, at + 16, stamp.date);
    le16(v, at + 18, stamp.date); // last accessed
    le16(v, at + 22, stamp.time); // written
    le16(v, at + 24, stamp.date);
    le16(v, at + 26, cluster);
    le32(v, at + 28, size);
  };
  const write = (dir: Node, at: number, parentCluster: number) => {
    if (dir === root) {
      short(at, label, ATTR_VOLUME_ID, 0, 0);
    } else {
      short(at, ascii('.          '), ATTR_DIRECTORY, dir.firstCluster, 0);
      short(at + DIR_ENTRY_SIZE, ascii('..         '), ATTR_DIRECTORY, parentCluster, 0);
      at += DIR_ENTRY_SIZE;
    }
    at += DIR_ENTRY_SIZE;
    for (const child of dir.children) {
      if (needsLongName(child)) at = writeLongName(v, at, child.name, child.shortName);
      const isDir = child.data === null;
      short(
        at,
        child.shortName,
        isDir ? ATTR_DIRECTORY : ATTR_ARCHIVE,
        child.firstCluster,
        isDir ? 0 : child.data!.length,
      );
      at += DIR_ENTRY_SIZE;
      if (isDir) {
        // ".." of a directory in the root names cluster 0 (fatgen103).
        write(child, clusterOffset(g, child.firstCluster), dir === root ? 0 : dir.firstCluster);
      } else if (child.data!.length > 0) {
        v.set(child.data!, clusterOffset(g, child.firstCluster));
      }
    }
  };
  write(root, (RESERVED_SECTORS + FAT_COPIES * g.sectorsPerFat) * SECTOR_SIZE, 0);
}

/** UCS-2 code units of each long-name entry's slots: 5 at 1, 6 at 14, 2 at 28. */
const LFN_SLOTS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

/** Writes `name`'s long-name entries at `at`, last piece first; returns the offset after them. */
function writeLongName(v: Uint8Array, at: number, name: string, shortName: Uint8Array): number {
  const pieces = Math.ceil(name.length / LFN_CHARS);
  const checksum = shortNameChecksum(shortName);
  for (let piece = pieces; piece >= 1; piece--) {
    v[at] = piece | (piece === pieces ? LFN_LAST : 0);
    v[at + 11] = ATTR_LONG_NAME;
    v[at + 13] = checksum;
    for (const [i, slot] of LFN_SLOTS.entries()) {
      const index = (piece - 1) * LFN_CHARS + i;
      // After the name: one NUL, then 0xFFFF padding.
      const unit =
        index < name.length ? name.charCodeAt(index) : index === name.length ? 0 : 0xffff;
      le16(v, at + slot, unit);
    }
    at += DIR_ENTRY_SIZE;
  }
  return at;
}

/** The CHS address of an LBA sector in the MBR's packed form, or the "beyond CHS" marker. */
function chs(lba: number): number[] {
  const cylinder = Math.floor(lba / (HEADS * SECTORS_PER_TRACK));
  if (cylinder > 1023) return [0xfe, 0xff, 0xff];
  const head = Math.floor(lba / SECTORS_PER_TRACK) % HEADS;
  const sector = (lba % SECTORS_PER_TRACK) + 1;
  return [head, sector | ((cylinder >> 2) & 0xc0), cylinder & 0xff];
}

function writeMbr(image: Uint8Array, start: number, sectors: number, bits: 12 | 16): void {
  le32(image, 440, 0x58454e4c); // disk identifier
  const entry = 446;
  image[entry] = 0x80; // active
  image.set(chs(start), entry + 1);
  image[entry + 4] = bits === 12 ? PART_FAT12 : sectors < 0x10000 ? PART_FAT16_SMALL : PART_FAT16;
  image.set(chs(start + sectors - 1), entry + 5);
  le32(image, entry + 8, start);
  le32(image, entry + 12, sectors);
  image[510] = 0x55;
  image[511] = 0xaa;
}
