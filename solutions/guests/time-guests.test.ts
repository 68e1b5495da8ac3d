// xenlab: file from 03
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { Toolstack } from '../dom0/toolstack.ts';
import { runDomains } from '../xen/schedule.ts';
import { Xen } from '../xen/xen.ts';
import { buildGuest } from './index.ts';

const sources = asmSourcesUnder(import.meta.dirname);

describe('the chapter-03 guests', () => {
  it('gettimeofday prints system time and the time of day dom0 set', () => {
    const xen = new Xen(new PhysMemory(64 << 20));
    const ts = new Toolstack(xen);
    ts.setWallclock(1_700_000_000, 0);
    const d = ts.create(buildGuest('gettimeofday.asm', sources), {
      name: 'gettimeofday',
      memoryMiB: 8,
      cmdline: '',
    });
    ts.start(d);
    runDomains(xen, 2_000_000);
    const lines = ts.console(d).split('\r\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(/^Xen system time: 0\.0000\d{5} s$/);
    expect(lines[1]).toMatch(/^Time of day: {5}1700000000\.0000\d\d$/);
    expect(d.shutdownReason).toBe(0);
  });

  it('timeloop never sees time go backwards beside another copy of itself', () => {
    const xen = new Xen(new PhysMemory(64 << 20));
    const ts = new Toolstack(xen);
    const guests = ['t1', 't2'].map((name) => {
      const d = ts.create(buildGuest('timeloop.asm', sources), { name, memoryMiB: 8, cmdline: '' });
      ts.start(d);
      return d;
    });
    runDomains(xen, 2_000_000);
    for (const d of guests) {
      expect(ts.console(d)).toMatch(/^read the system time 2000 times; it went backwards 0 times/);
    }
  });
});
