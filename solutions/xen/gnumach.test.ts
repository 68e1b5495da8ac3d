// xenlab: file from 05
// Debian's GNU Mach image for Xen (package gnumach-image-1.8-xen-486) as a real-world check of
// the domain builder and chapter 05. On amd64 Debian the package holds an x86_64 kernel in an
// ELF64 image: a guest of type xen-3.0-x86_64, which a hypervisor whose capabilities are
// xen-3.0-x86_32p cannot run; Xen's own builder refuses it the same way ("guest type
// xen-3.0-x86_64 not supported by xen kernel"). The i386 package's kernel (XENLAB_GNUMACH names
// its .gz, or /boot holds it on i386) is a 32-bit PAE guest: it builds its page tables, installs
// its own GDT and LDT, its trap table and kernel stack, then writes directly to an L2 table it
// mapped read-only, a bug of its own that real Xen also faults: the #PF goes to its handler,
// and it shuts itself down. The test runs only where an image is installed.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PhysMemory } from '../../sim/host.ts';
import { VCPU_INFO_arch_cr2 } from './abi.ts';
import { ImageError } from './elf.ts';
import { formatTrace } from './hypercall.ts';
import { PGT_l2_page_table } from './mm.ts';
import { runDomains } from './schedule.ts';
import { Xen } from './xen.ts';

const MACH = process.env.XENLAB_GNUMACH ?? '/boot/gnumach-1.8-xen-486.gz';

describe('Debian GNU Mach for Xen (book §2.1, §5.3, §5.7.2)', () => {
  it.skipIf(!existsSync(MACH))(
    'boots as far as Xen lets it, or is refused as a 64-bit guest',
    () => {
      const image = new Uint8Array(gunzipSync(readFileSync(MACH)));
      const lines: string[] = [];
      const xen = new Xen(new PhysMemory(96 << 20), { trace: (t) => lines.push(formatTrace(t)) });
      const free = xen.heap.free;
      const build = () => xen.createDomain(image, { name: 'mach', memoryMiB: 32, cmdline: '' });
      if (image[4] === 2) {
        expect(build).toThrow(ImageError);
        expect(build).toThrow(/ELFCLASS32/);
        expect(xen.heap.free, 'every frame of the failed build is back').toBe(free);
        expect(xen.findDomain(1)).toBe(undefined);
        return;
      }
      const { domain } = build();
      domain.unpause();
      runDomains(xen, 5_000_000);
      expect(xen.panicReport).toBe(null);
      const result = (name: string) => lines.find((l) => l.startsWith(`d1v0 ${name}(`));
      for (const call of ['set_gdt', 'set_trap_table', 'stack_switch']) {
        expect(result(call), lines.slice(-20).join('\n')).toMatch(/\) = 0$/);
      }
      // The fault: a write to a page-table frame it mapped read-only, given to its handler.
      const cr2 = xen.mem.read32(domain.sharedInfoMfn * PAGE_SIZE + VCPU_INFO_arch_cr2);
      const pa = domain.p2m[(cr2 - 0xc0000000) / PAGE_SIZE]!;
      expect(xen.heap.type[pa], `the frame behind CR2 0x${cr2.toString(16)}`).toBe(
        PGT_l2_page_table,
      );
      expect(lines.at(-1)).toMatch(/^d1v0 sched_op_compat\(cmd=SCHEDOP_shutdown/);
    },
  );
});
