// xenlab: file from 05
import { describe, expect, it } from 'vitest';
import { PhysMemory, Prng } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { buildGuest } from '../guests/index.ts';
import { auditFrameTable } from '../xen/mm.ts';
import { RunOutcome, runDomains } from '../xen/schedule.ts';
import { Xen } from '../xen/xen.ts';
import { restoreDomain, SaveError, saveDomain } from './save-restore.ts';
import { Toolstack } from './toolstack.ts';

const files = asmSourcesUnder(new URL('../guests', import.meta.url).pathname);
const FUEL = 20_000_000;

function boot(name: string, seed: number) {
  const xen = new Xen(new PhysMemory(40 << 20));
  const toolstack = new Toolstack(xen);
  const d = toolstack.create(buildGuest(`${name}.asm`, files), {
    name,
    memoryMiB: 16,
    cmdline: '',
    seed,
  });
  toolstack.start(d);
  return { xen, toolstack, d };
}

describe('save and restore (book §5.7.3)', () => {
  it('a guest restored into other frames prints what an uninterrupted run prints', () => {
    const whole = boot('count', 1);
    expect(runDomains(whole.xen, FUEL).outcome).toBe(RunOutcome.Idle);
    const expected = whole.toolstack.console(whole.d);
    expect(expected).toContain('step 12: ');

    for (const stopAt of [150_000, 400_000, 777_777]) {
      const first = boot('count', 1);
      runDomains(first.xen, stopAt);
      first.toolstack.pause(first.d);
      const before = first.toolstack.console(first.d);
      const saved = saveDomain(first.xen, first.d);
      const oldP2m = [...first.d.p2m];

      // Another machine, with a domain in the way so that no frame number stays the same.
      const second = new Xen(new PhysMemory(48 << 20));
      second.createDomain(buildGuest('count.asm', files), {
        name: 'filler',
        memoryMiB: 5,
        cmdline: '',
      });
      const d = restoreDomain(second, 'count', saved, new Prng(stopAt));
      const same = d.p2m.filter((mfn, pfn) => mfn === oldP2m[pfn]).length;
      expect(same, 'the restored guest lives in other frames').toBeLessThan(d.p2m.length / 50);
      const cr3s = [...second.domains.values()].flatMap((x) => x.vcpus.map((v) => v.cpu.cr3));
      expect(auditFrameTable(second.heap, cr3s)).toEqual([]);
      d.unpause();
      runDomains(second, FUEL);
      expect(before + (second.consoleOutput.get(d.domid) ?? ''), `stopped at ${stopAt}`).toBe(
        expected,
      );
    }
  });

  it('refuses a guest whose tables map a frame outside its pfns, and bytes that are no save', () => {
    const { xen, d } = boot('mapshared', 2);
    runDomains(xen, FUEL);
    expect(() => saveDomain(xen, d)).toThrow(SaveError);
    expect(() => restoreDomain(xen, 'x', new Uint8Array(40), null)).toThrow(SaveError);
  });
});
