// 02-start-info: the start_info page the domain builder hands a new kernel (book §2.1). Each
// test plans a domain of a random size with the builder's own planLayout (the layout-dependent
// fields: domains of every shape), runs writeStartInfo alone and reads the page back from
// machine memory.

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import { MAX_GUEST_CMDLINE, START_INFO, XEN_START_INFO_MAGIC_PAE } from '../src/xen/abi.ts';
import { writeStartInfo } from '../src/xen/builder.ts';
import { type PlannedDomain, plannedDomain, plannedDomains, randomText } from './fixtures.ts';

/** Runs writeStartInfo on a planned domain; returns readers of the page it wrote. */
function written(p: PlannedDomain) {
  writeStartInfo(p.mem, p.d, p.lay, p.cfg);
  const base = p.d.p2m[p.lay.startInfoPfn]! * PAGE_SIZE;
  const u32 = (offset: number) => p.mem.read32(base + offset) >>> 0;
  const text = (offset: number, max: number) =>
    String.fromCharCode(...p.mem.readBytes(base + offset, max)).replace(/\0.*$/s, '');
  const where =
    `start_info is pfn ${p.lay.startInfoPfn} of a ${p.cfg.nrPages}-page domain linked at ` +
    `0x${p.lay.virtBase.toString(16)}, machine frame ${p.d.p2m[p.lay.startInfoPfn]}`;
  return { u32, text, where, base };
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

describe('02-start-info', () => {
  test('starts with the ABI magic and the domain size, at the machine frame of its pfn', () => {
    const p = plannedDomain(testRng('02-start-info/magic'));
    const { u32, text, where } = written(p);
    expect(
      text(START_INFO.magic, 32),
      `${where}: magic must be "${XEN_START_INFO_MAGIC_PAE}", NUL-terminated. Write the page at ` +
        'the machine address d.p2m[pfn] * PAGE_SIZE: pfns and mfns differ (book §2.1)',
    ).toBe(XEN_START_INFO_MAGIC_PAE);
    expect(u32(START_INFO.nr_pages), `${where}: nr_pages is the domain's size in pages`).toBe(
      p.cfg.nrPages,
    );
  });

  test('gives shared_info as a machine address, the rings as machine frames, and flags', () => {
    const p = plannedDomain(testRng('02-start-info/machine'));
    const { u32, where } = written(p);
    expect(
      hex(u32(START_INFO.shared_info)),
      `${where}: shared_info is the machine ADDRESS of the shared info page ` +
        `(mfn ${p.d.sharedInfoMfn} × 4096), not a frame number`,
    ).toBe(hex(p.d.sharedInfoMfn * PAGE_SIZE));
    expect(
      u32(START_INFO.store_mfn),
      `${where}: store_mfn is the machine frame of the xenstore page, pfn ${p.lay.xenstorePfn}`,
    ).toBe(p.d.p2m[p.lay.xenstorePfn]);
    expect(
      u32(START_INFO.console_domU_mfn),
      `${where}: console.domU.mfn is the machine frame of the console page, pfn ${p.lay.consolePfn}`,
    ).toBe(p.d.p2m[p.lay.consolePfn]);
    expect(u32(START_INFO.store_evtchn), 'store_evtchn is the port the toolstack chose').toBe(
      p.cfg.storeEvtchn,
    );
    expect(
      u32(START_INFO.console_domU_evtchn),
      'console.domU.evtchn is the port the toolstack chose',
    ).toBe(p.cfg.consoleEvtchn);
    expect(u32(START_INFO.flags), 'flags are the SIF_* bits of the build configuration').toBe(
      p.cfg.flags,
    );
  });

  test('gives the page tables and the P2M list as virtual addresses', () => {
    for (const p of plannedDomains(testRng('02-start-info/virtual'))) {
      const { u32, where } = written(p);
      const va = (pfn: number) => hex(p.lay.virtBase + pfn * PAGE_SIZE);
      expect(
        hex(u32(START_INFO.pt_base)),
        `${where}: pt_base is the VIRTUAL address of the bootstrap L3 (pfn ${p.lay.pgtablesPfn}), ` +
          'so the kernel can read its tables at once',
      ).toBe(va(p.lay.pgtablesPfn));
      expect(u32(START_INFO.nr_pt_frames), `${where}: nr_pt_frames counts L3 + L2s + L1s`).toBe(
        p.lay.nrPtFrames,
      );
      expect(
        hex(u32(START_INFO.mfn_list)),
        `${where}: mfn_list is the VIRTUAL address of the P2M list (pfn ${p.lay.p2mPfn})`,
      ).toBe(va(p.lay.p2mPfn));
      expect(
        [START_INFO.mod_start, START_INFO.mod_len, START_INFO.first_p2m_pfn].map(u32),
        `${where}: there is no ramdisk and the P2M is in the region: mod_start, mod_len and ` +
          'first_p2m_pfn are 0',
      ).toEqual([0, 0, 0]);
    }
  });

  test('copies the command line, NUL-terminated', () => {
    const p = plannedDomain(testRng('02-start-info/cmdline'));
    const { text, where } = written(p);
    expect(
      text(START_INFO.cmd_line, MAX_GUEST_CMDLINE),
      `${where}: cmd_line (offset ${START_INFO.cmd_line}) holds the configured command line`,
    ).toBe(p.cfg.cmdline);
  });

  test('cuts a command line longer than 1023 bytes, keeping the NUL', () => {
    const rng = testRng('02-start-info/long-cmdline');
    const p = plannedDomain(rng);
    p.cfg.cmdline = randomText(rng, MAX_GUEST_CMDLINE + rng.below(200));
    const { base } = written(p);
    const stored = String.fromCharCode(
      ...p.mem.readBytes(base + START_INFO.cmd_line, MAX_GUEST_CMDLINE),
    );
    expect(
      stored,
      `a ${p.cfg.cmdline.length}-byte command line keeps its first ${MAX_GUEST_CMDLINE - 1} bytes ` +
        'and a NUL: cmd_line is a 1024-byte array, and nothing may spill past it',
    ).toBe(`${p.cfg.cmdline.slice(0, MAX_GUEST_CMDLINE - 1)}\0`);
  });
});
