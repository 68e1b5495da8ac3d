// 06-console-drain: the console back end takes what a guest wrote to `out` (book §6.7). The
// tests write the guest's side of the page themselves — bytes at seeded indices, wrapping at
// 2^32, and indices no honest guest could write — then run the real console guest against it.

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE, PhysMemory } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import { consoleDrainOut, Xenconsoled } from '../src/dom0/xenconsoled.ts';
import { XENCONS, XENCONS_OUT_SIZE } from '../src/xen/abi.ts';
import { echoed, guestWithConsole, hex, typedText } from './world.ts';

/** Two console pages in a small machine, as two guests' rings at machine addresses. */
const RINGS = [3 * PAGE_SIZE, 7 * PAGE_SIZE];

/** Writes `bytes` into `out` as a guest would, from index `cons`, and publishes them. */
function guestWrites(mem: PhysMemory, ring: number, cons: number, bytes: Uint8Array): void {
  mem.write32(ring + XENCONS.out_cons, cons >>> 0);
  for (let i = 0; i < bytes.length; i++) {
    mem.write8(ring + XENCONS.out + ((cons + i) & (XENCONS_OUT_SIZE - 1)), bytes[i]!);
  }
  mem.write32(ring + XENCONS.out_prod, (cons + bytes.length) >>> 0);
}

const seeded = (rng: ReturnType<typeof testRng>, n: number) =>
  Uint8Array.from({ length: n }, () => rng.below(256));

describe('06-console-drain', () => {
  test('drains exactly the published bytes, in order, from any index, and frees their slots', () => {
    const rng = testRng('06-console-drain/bytes');
    const mem = new PhysMemory(16 * PAGE_SIZE);
    const starts = [0, 0xffffffff - rng.below(XENCONS_OUT_SIZE), rng.nextU32(), 2047, 2048];
    for (const cons of starts) {
      for (const n of [0, 1, 1 + rng.below(XENCONS_OUT_SIZE - 1), XENCONS_OUT_SIZE]) {
        const bytes = seeded(rng, n);
        guestWrites(mem, RINGS[0]!, cons, bytes);
        const got = consoleDrainOut(mem, RINGS[0]!);
        const what = `${n} bytes published from out_cons ${hex(cons)}`;
        expect(typeof got, `${what}: a well-formed ring drains, it does not close`).not.toBe(
          'string',
        );
        expect([...(got as Uint8Array)], `${what}: the bytes, in order (book §6.7)`).toEqual([
          ...bytes,
        ]);
        expect(
          mem.read32(RINGS[0]! + XENCONS.out_cons) >>> 0,
          `${what}: out_cons moves to out_prod so the guest may reuse the slots`,
        ).toBe((cons + n) >>> 0);
        expect(mem.read32(RINGS[0]! + XENCONS.out_prod) >>> 0, 'out_prod is the guest’s').toBe(
          (cons + n) >>> 0,
        );
      }
    }
  });

  test('impossible indices close that console with a message; the other console goes on', () => {
    const rng = testRng('06-console-drain/garbage');
    const mem = new PhysMemory(16 * PAGE_SIZE);
    const consoled = new Xenconsoled(mem);
    const log: string[] = [];
    consoled.listen({ log: (line) => log.push(line) });
    consoled.connect(1, RINGS[0]!, 2);
    consoled.connect(2, RINGS[1]!, 2);
    const cons = rng.nextU32();
    const excess = XENCONS_OUT_SIZE + 1 + rng.below(0xffffffff - XENCONS_OUT_SIZE);
    mem.write32(RINGS[0]! + XENCONS.out_cons, cons);
    mem.write32(RINGS[0]! + XENCONS.out_prod, (cons + excess) >>> 0);
    const direct = consoleDrainOut(mem, RINGS[0]!);
    expect(
      typeof direct,
      `out_prod - out_cons = ${excess} is more than the ring holds: return why, not bytes`,
    ).toBe('string');
    expect(mem.read32(RINGS[0]! + XENCONS.out_cons) >>> 0, 'out_cons stays').toBe(cons);
    const good = seeded(rng, 1 + rng.below(100));
    guestWrites(mem, RINGS[1]!, rng.nextU32(), good);
    expect(() => {
      consoled.service(1);
      consoled.service(2);
    }, 'a guest’s garbage is never an exception in the back end').not.toThrow();
    expect(consoled.closedReason(1), 'domain 1’s console is closed').not.toBeNull();
    expect(log.join('\n'), 'the back end says which console closed and why').toMatch(
      /console of domain 1 closed: .*2048/,
    );
    expect(consoled.closedReason(2), 'domain 2’s console stays open').toBeNull();
    expect(consoled.output(2), 'domain 2’s bytes arrive').toBe(String.fromCharCode(...good));
    const more = seeded(rng, 10);
    guestWrites(mem, RINGS[1]!, mem.read32(RINGS[1]! + XENCONS.out_cons), more);
    consoled.notify(2, 2);
    expect(consoled.output(2), 'and keep arriving').toBe(String.fromCharCode(...good, ...more));
  });

  test('the console guest’s output arrives whole through the back end, at any interleaving', () => {
    const rng = testRng('06-console-drain/guest');
    const g = guestWithConsole('console.asm');
    const start = (0x1_0000_0000 - rng.below(4096)) >>> 0;
    g.startIndices(start, start);
    const typed = typedText(rng, 500 + rng.below(3000));
    g.consoled.type(g.domain.domid, `${typed}\x04`);
    g.interleave(
      rng,
      1 + rng.below(100),
      5_000_000,
      g.service,
      () => g.domain.state === 'shutdown',
    );
    g.service();
    expect(
      g.output() === echoed(typed),
      `the console shows ${g.output().length} bytes, ${echoed(typed).length} expected ` +
        `(rings started at ${hex(start)}). ${g.story()}`,
    ).toBe(true);
  });
});
