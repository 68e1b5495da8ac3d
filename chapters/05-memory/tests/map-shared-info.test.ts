// 05-map-shared-info: the book's exercise (§5.8) — the guest maps the shared info page, whose
// machine address start_info gives it, with update_va_mapping, and reads it. The test leaves
// a seeded number of vCPU slots with events masked; the guest counts them. Then the guest reads
// Xen's read-only M2P through its own page tables.

import { describe, expect, test } from 'vitest';
import { EAX, EBP, EBX, ECX, EDI, EDX, PAGE_SIZE, PhysMemory } from '../../../sim/host.ts';
import { guestSources, renderScreen, screenMismatch, testRng } from '../../testing/index.ts';
import { buildGuest } from '../src/guests/index.ts';
import { UVMF_FLUSHTYPE_MASK, UVMF_INVLPG, UVMF_TLB_FLUSH } from '../src/xen/abi.ts';
import type { HypercallTrace } from '../src/xen/hypercall.ts';
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

  test('the mapping is present, writable and flushed, whatever the registers held at entry', () => {
    const rng = testRng('05-map-shared-info/entry');
    const traces: HypercallTrace[] = [];
    const xen = new Xen(new PhysMemory(48 << 20), { trace: (t) => traces.push(t) });
    const image = buildGuest('mapshared.asm', guestSources(import.meta.url));
    const { domain } = xen.createDomain(image, { name: 'mapshared', memoryMiB: 16, cmdline: '' });
    // Xen defines only ESI (start_info) and ESP at entry: the rest may hold anything.
    const cpu = domain.vcpus[0]!.cpu;
    for (const r of [EAX, EBX, ECX, EDX, EDI, EBP]) cpu.reg32[r] = rng.nextU32() | 1;
    domain.unpause();
    runDomains(xen, FUEL);
    const call = traces.find((t) => t.name === 'update_va_mapping' && t.domid === domain.domid);
    expect(
      call,
      `the guest calls update_va_mapping; Xen said:\n${xen.logLines.join('\n')}`,
    ).toBeDefined();
    const arg = (name: string) =>
      Number(call!.args.find((a) => a.startsWith(`${name}=`))!.split('=')[1]);
    const shared = domain.sharedInfoMfn * PAGE_SIZE;
    expect(
      {
        frame: `0x${(arg('val_lo') & ~0xfff).toString(16)}`,
        present_rw: arg('val_lo') & 3,
        val_hi: arg('val_hi'),
        result: call!.result,
      },
      `update_va_mapping(va, val_lo, val_hi, flags): the new PTE is start_info.shared_info | ` +
        '_PAGE_PRESENT | _PAGE_RW in val_lo, and val_hi (EDX) is its high half, 0 here: set ' +
        'every register the call reads, since Xen entered the guest with garbage in all but ESI ' +
        `and ESP. The guest's call was ${call!.args.join(', ')}`,
    ).toEqual({ frame: `0x${shared.toString(16)}`, present_rw: 3, val_hi: 0, result: 0 });
    const flush = arg('flags') & UVMF_FLUSHTYPE_MASK;
    expect(
      flush === UVMF_INVLPG || flush === UVMF_TLB_FLUSH,
      `flags ${arg('flags')}: the old translation of the page may still sit in the TLB, so the ` +
        'call asks Xen to flush it (UVMF_INVLPG, or UVMF_TLB_FLUSH) (book §5.7)',
    ).toBe(true);
  });
});
