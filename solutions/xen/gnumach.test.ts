// xenlab: file from 05
// Debian's GNU Mach image for Xen (package gnumach-image-1.8-xen-486) as a real-world check of
// the domain builder. On amd64 Debian the package holds an x86_64 kernel in an ELF64 image
// (entry 0x40000000, 64-bit code, Xen notes with 8-byte values): a guest of type
// xen-3.0-x86_64, which a hypervisor whose capabilities are xen-3.0-x86_32p cannot run; Xen's
// own domain builder refuses it the same way ("guest type xen-3.0-x86_64 not supported by xen
// kernel"). The test runs only where the package is installed.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../sim/host.ts';
import { ImageError } from './elf.ts';
import { runDomains } from './schedule.ts';
import { Xen } from './xen.ts';

const MACH = '/boot/gnumach-1.8-xen-486.gz';

describe('Debian GNU Mach for Xen (book §2.1)', () => {
  it.skipIf(!existsSync(MACH))('is refused as a 64-bit guest, leaving Xen as it was', () => {
    const image = new Uint8Array(gunzipSync(readFileSync(MACH)));
    const xen = new Xen(new PhysMemory(72 << 20));
    const free = xen.heap.free;
    const elfClass = image[4];
    const build = () => xen.createDomain(image, { name: 'mach', memoryMiB: 64, cmdline: '' });
    if (elfClass === 2) {
      expect(build).toThrow(ImageError);
      expect(build).toThrow(/ELFCLASS32/);
      expect(xen.heap.free, 'every frame of the failed build is back').toBe(free);
      expect(xen.findDomain(1)).toBe(undefined);
    } else {
      // An i386 build of the package: built, it runs until it stops on its own, Xen intact.
      const { domain } = build();
      domain.unpause();
      runDomains(xen, 20_000_000);
      expect(xen.panicReport).toBe(null);
    }
  });
});
