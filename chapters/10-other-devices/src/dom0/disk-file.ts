// Your working copy for chapter 10, generated from solutions/dom0/disk-file.ts by npx xenlab stage.
// A disk image file for the block back end, Node's edge of dom0/disk.ts: book §9.1.
//
// Sectors are read and written in place with positioned I/O, so a large image is never held in
// memory; `flush` is fsync. Opened read-only, a FileDisk refuses writes (blkback answers
// BLKIF_RSP_ERROR); wrap it in a CowDisk to let a guest write without changing the file.

import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { SECTOR_SIZE } from './blkif.ts';
import type { Disk } from './disk.ts';

export class FileDisk implements Disk {
  readonly path: string;
  readonly sectors: number;
  readonly readOnly: boolean;
  private fd: number;

  constructor(path: string, readOnly: boolean) {
    this.path = path;
    this.readOnly = readOnly;
    this.fd = openSync(path, readOnly ? 'r' : 'r+');
    const size = fstatSync(this.fd).size;
    if (size % SECTOR_SIZE !== 0) {
      closeSync(this.fd);
      throw new Error(`${path}: ${size} bytes, not a whole number of 512-byte sectors`);
    }
    this.sectors = size / SECTOR_SIZE;
  }

  read(sector: number, count: number): Uint8Array {
    const out = new Uint8Array(count * SECTOR_SIZE);
    readSync(this.fd, out, 0, out.length, sector * SECTOR_SIZE);
    return out;
  }

  write(sector: number, bytes: Uint8Array): void {
    if (this.readOnly) throw new Error(`${this.path} is read-only`);
    writeSync(this.fd, bytes, 0, bytes.length, sector * SECTOR_SIZE);
  }

  flush(): void {
    if (!this.readOnly) fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
