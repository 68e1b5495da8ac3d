// xenlab: file from 05
// Debian's GRUB for Xen (package grub-xen-host) as a real-world check of chapter 05: it builds
// its own PAE tables with update_va_mapping and switches to them with one mmuext_op batch. The
// test runs only where the package is installed; everything it exercises has its own tests.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../sim/host.ts';
import { formatTrace, type HypercallTrace } from './hypercall.ts';
import { runDomains } from './schedule.ts';
import { Xen } from './xen.ts';

const GRUB = '/usr/lib/grub-xen/grub-i386-xen.bin';

describe('Debian GRUB i386-xen (book §5.7.1)', () => {
  it.skipIf(!existsSync(GRUB))('builds its page tables and switches to them', () => {
    const traces: HypercallTrace[] = [];
    const xen = new Xen(new PhysMemory(36 << 20), { trace: (t) => traces.push(t) });
    const image = new Uint8Array(readFileSync(GRUB));
    const { domain } = xen.createDomain(image, { name: 'grub', memoryMiB: 32, cmdline: '' });
    domain.unpause();
    runDomains(xen, 5_000_000);
    const lines = traces.map(formatTrace);
    const mm = traces.filter((t) =>
      ['mmu_update', 'update_va_mapping', 'mmuext_op', 'vm_assist'].includes(t.name),
    );
    const switchAt = mm.findIndex((t) => t.name === 'mmuext_op');
    expect(switchAt, lines.join('\n')).toBeGreaterThan(0);
    // Everything before the switch is accepted: the M2P swaps and 23 scratch mappings.
    expect(
      mm.slice(0, switchAt).every((t) => t.result === 0),
      lines.join('\n'),
    ).toBe(true);
    expect(mm.slice(0, switchAt).filter((t) => t.name === 'update_va_mapping').length).toBe(23);
    // Without a grant frame of its own (chapter 04) GRUB's new L1 maps Xen's frame 0, which
    // Xen refuses; with one, the pin-switch-unpin batch and the remapping after it succeed.
    const setup = traces.find((t) => t.args[0] === 'cmd=GNTTABOP_setup_table');
    const switched = mm[switchAt]!.result;
    if (setup?.result !== 0) expect(switched, lines.join('\n')).toBe(-22);
    if (switched === 0) {
      const remaps = mm.slice(switchAt + 1).filter((t) => t.name === 'update_va_mapping');
      expect(remaps.length, 'the old bootstrap tables, writable again').toBeGreaterThan(0);
      expect(
        remaps.every((t) => t.result === 0),
        lines.join('\n'),
      ).toBe(true);
    }
    expect(xen.panicReport).toBe(null);
  });
});
