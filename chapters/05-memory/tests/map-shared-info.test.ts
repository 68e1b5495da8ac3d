// 05-map-shared-info: the book's exercise (§5.8) — the guest maps the shared info page, whose
// machine address start_info gives it, with update_va_mapping, and reads it. The test leaves
// a seeded number of vCPU slots with events masked; the guest counts them. Then the guest reads
// Xen's read-only M2P through its own page tables.

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE, PhysMemory } from '../../../sim/host.ts';
import { guestSources, renderScreen, screenMismatch, testRng } from '../../testing/index.ts';
import { buildGuest } from '../src/guests/index.ts';
import { runDomains } from '../src/xen/schedule.ts';
import { Xen } from '../src/xen/xen.ts';

const FUEL = 2_000_000;

describe('05-map-shared-info', () => {
  test('the guest maps shared_info and counts the vCPUs with events masked', async () => {
    const rng = testRng('05-map-shared-info/masked');
    const xen = new Xen(new PhysMemory(48 << 20));
    const image = buildGuest('mapshared.asm', guestSources(import.meta.url));
    const { domain } = xen.createDomain(image, { name: 'mapshared', memoryMiB: 16, cmdline: '' });
    const masked = 1 + rng.below(31);
    for (let v = masked; v < 32; v++) {
      xen.mem.write8(domain.sharedInfoMfn * PAGE_SIZE + v * 64 + 1, 0);
    }
    domain.unpause();
    runDomains(xen, FUEL);
    const out = xen.consoleOutput.get(domain.domid) ?? '';
    const mismatch = screenMismatch(await renderScreen(out), [
      `shared info mapped: ${masked} of 32 vCPUs have events masked`,
      'pfn 4095 is mfn {{mfn}}; the M2P at 0xF5800000 says pfn 4095',
    ]);
    expect(
      mismatch,
      `${mismatch}\nThe guest must map start_info.shared_info (a machine address) at ` +
        'shared_info_page with update_va_mapping (book §5.8). Xen said:\n' +
        xen.logLines.join('\n'),
    ).toBeUndefined();
  });
});
