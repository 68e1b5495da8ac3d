// Your working copy for chapter 10, generated from solutions/dom0/disk.ts by npx xenlab stage.
// What a block back end serves: a disk of 512-byte sectors, in memory or over another disk with
// the writes kept aside (copy-on-write): book §9.1; Xen's blkback serves a Linux block device,
// a file through a loop device, or (blktap, qemu's qdisk) an image file.
//
// The back end never sees more than this interface, so the same blkback serves a disk held in an
// ArrayBuffer (the browser, the tests) and an image file (dom0/disk-file.ts, Node only).

import { SECTOR_SIZE } from './blkif.ts';

export interface Disk {
  /** Its size in 512-byte sectors (XenStore's `sectors`). */
  readonly sectors: number;
  /** Whether writes are refused (XenStore's `mode` "r"). */
  readonly readOnly: boolean;
  /** `count` sectors from `sector` on; the caller has checked the range. */
  read(sector: number, count: number): Uint8Array;
  /** Writes whole sectors from `sector` on; the caller has checked the range. */
  write(sector: number, bytes: Uint8Array): void;
  /** Makes every completed write durable (BLKIF_OP_FLUSH_DISKCACHE, WRITE_BARRIER). */
  flush(): void;
}

/** A disk held in memory: the bytes of an image, or `sectors` zeroed sectors. */
export class MemoryDisk implements Disk {
  readonly bytes: Uint8Array;
  readonly sectors: number;
  readonly readOnly: boolean;

  constructor(image: Uint8Array | number, readOnly = false) {
    this.bytes = typeof image === 'number' ? new Uint8Array(image * SECTOR_SIZE) : image.slice();
    if (this.bytes.length % SECTOR_SIZE !== 0) {
      throw new Error(`disk image of ${this.bytes.length} bytes: not a whole number of sectors`);
    }
    this.sectors = this.bytes.length / SECTOR_SIZE;
    this.readOnly = readOnly;
  }

  read(sector: number, count: number): Uint8Array {
    return this.bytes.slice(sector * SECTOR_SIZE, (sector + count) * SECTOR_SIZE);
  }

  write(sector: number, bytes: Uint8Array): void {
    this.bytes.set(bytes, sector * SECTOR_SIZE);
  }

  flush(): void {}
}

/**
 * A disk whose writes stay in memory, over a base disk read as it is: `xenlab run --disk
 * FILE,cow`, so a run (or a test) never changes its input. Reads see the writes made so far.
 */
export class CowDisk implements Disk {
  readonly base: Disk;
  readonly sectors: number;
  readonly readOnly = false;
  /** Sectors written, by number. */
  readonly written = new Map<number, Uint8Array>();

  constructor(base: Disk) {
    this.base = base;
    this.sectors = base.sectors;
  }

  read(sector: number, count: number): Uint8Array {
    const out = this.base.read(sector, count);
    for (let i = 0; i < count; i++) {
      const own = this.written.get(sector + i);
      if (own !== undefined) out.set(own, i * SECTOR_SIZE);
    }
    return out;
  }

  write(sector: number, bytes: Uint8Array): void {
    for (let i = 0; i * SECTOR_SIZE < bytes.length; i++) {
      this.written.set(sector + i, bytes.slice(i * SECTOR_SIZE, (i + 1) * SECTOR_SIZE));
    }
  }

  flush(): void {}
}
