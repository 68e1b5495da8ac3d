// The `page-tables` inspector: vCPU 0's PAE page tables (book §2.1, §5.1) as Xen names their
// levels — L3 (the 4-entry PDPT CR3 points at), L2 (page directories), L1 (page tables) — and
// the mappings they make, with runs of consecutive pages to consecutive frames shown as one.

import { CR0_PG, CR4_PAE } from '../../../../sim/host.ts';
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_PRESENT,
  _PAGE_RW,
  _PAGE_USER,
} from '../../../../solutions/xen/abi.ts';
import type { GuestSession } from './session.ts';

/** One table page: its level and machine address, and the linear range it covers. */
export interface TableView {
  level: 3 | 2 | 1;
  machine: number;
  linear: number;
}

/** Consecutive present pages mapping consecutive frames with the same flags. */
export interface MappingRun {
  linear: number;
  machine: number;
  pages: number;
  /** `RW`/`RO`, `U`/`S`, and `A`, `D`, `G`, `NX` where set; `2M` for a 2 MiB page. */
  flags: string;
}

export interface PageTablesView {
  /** Why there is nothing to show (paging off, or not PAE), or ''. */
  note: string;
  tables: TableView[];
  runs: MappingRun[];
}

/** Entry bits the ABI does not name (Intel SDM vol. 3A table 4-11): large page, global. */
const PS = 0x80;
const G = 0x100;
const FRAME = 0xfffff000;
/** At most this many runs are listed (a big guest maps much). */
const MAX_RUNS = 512;

function flagsOf(low: number, high: number, large: boolean): string {
  const f = [low & _PAGE_RW ? 'RW' : 'RO', low & _PAGE_USER ? 'U' : 'S'];
  if (low & _PAGE_ACCESSED) f.push('A');
  if (low & _PAGE_DIRTY) f.push('D');
  if (low & G) f.push('G');
  if (high & 0x80000000) f.push('NX');
  if (large) f.push('2M');
  return f.join(' ');
}

export function pageTables(session: GuestSession): PageTablesView {
  const { cpu, mem } = session;
  const empty = (note: string): PageTablesView => ({ note, tables: [], runs: [] });
  if ((cpu.cr0 & CR0_PG) === 0) return empty('paging is off');
  if ((cpu.cr4 & CR4_PAE) === 0) return empty('not PAE paging');
  const limit = mem.frames * 0x1000;
  const entry = (table: number, i: number) => {
    const at = table + i * 8;
    return at + 8 <= limit
      ? { low: mem.read32(at), high: mem.read32(at + 4) }
      : { low: 0, high: 0 };
  };
  const tables: TableView[] = [];
  const runs: MappingRun[] = [];
  const map = (linear: number, machine: number, pages: number, flags: string) => {
    const last = runs.at(-1);
    if (
      last !== undefined &&
      last.flags === flags &&
      last.linear + last.pages * 0x1000 === linear &&
      last.machine + last.pages * 0x1000 === machine
    ) {
      last.pages += pages;
    } else if (runs.length < MAX_RUNS) {
      runs.push({ linear, machine, pages, flags });
    }
  };
  const l3 = (cpu.cr3 & ~0x1f) >>> 0;
  tables.push({ level: 3, machine: l3, linear: 0 });
  for (let i3 = 0; i3 < 4; i3++) {
    const e3 = entry(l3, i3);
    if ((e3.low & _PAGE_PRESENT) === 0) continue;
    const l2 = (e3.low & FRAME) >>> 0;
    tables.push({ level: 2, machine: l2, linear: i3 * 2 ** 30 });
    for (let i2 = 0; i2 < 512; i2++) {
      const e2 = entry(l2, i2);
      if ((e2.low & _PAGE_PRESENT) === 0) continue;
      const base = i3 * 2 ** 30 + i2 * 2 ** 21;
      if (e2.low & PS) {
        map(base, (e2.low & 0xffe00000) >>> 0, 512, flagsOf(e2.low, e2.high, true));
        continue;
      }
      const l1 = (e2.low & FRAME) >>> 0;
      tables.push({ level: 1, machine: l1, linear: base });
      for (let i1 = 0; i1 < 512; i1++) {
        const e1 = entry(l1, i1);
        if ((e1.low & _PAGE_PRESENT) === 0) continue;
        map(base + i1 * 0x1000, (e1.low & FRAME) >>> 0, 1, flagsOf(e1.low, e1.high, false));
      }
    }
  }
  return { note: '', tables, runs };
}
