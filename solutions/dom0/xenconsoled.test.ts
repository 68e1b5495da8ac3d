// xenlab: file from 06
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PhysMemory } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { buildGuest } from '../guests/index.ts';
import { XENCONS, XENCONS_IN_SIZE } from '../xen/abi.ts';
import { runDomains } from '../xen/schedule.ts';
import { Xen } from '../xen/xen.ts';
import { Toolstack } from './toolstack.ts';
import { consoleFeedIn, Xenconsoled } from './xenconsoled.ts';

const RING = 2 * PAGE_SIZE;

function consoleGuest() {
  const xen = new Xen(new PhysMemory(48 << 20));
  const ts = new Toolstack(xen);
  const image = buildGuest('console.asm', asmSourcesUnder(`${import.meta.dirname}/../guests`));
  const d = ts.create(image, { name: 'console', memoryMiB: 16, cmdline: '' });
  ts.start(d);
  return { xen, ts, d };
}

describe('xenconsoled', () => {
  it('input typed at the console reaches the guest in order, the echo comes back', () => {
    const { xen, ts, d } = consoleGuest();
    runDomains(xen, 200_000);
    // Three times the `in` ring: the rest waits in the back end until the guest takes some.
    const typed = Array.from({ length: 3 * XENCONS_IN_SIZE }, (_, i) =>
      String.fromCharCode(97 + (i % 26)),
    ).join('');
    ts.type(d, typed);
    expect(ts.consoled.pendingInput(d.domid)).toBe(2 * XENCONS_IN_SIZE);
    ts.type(d, '\r\x04');
    runDomains(xen, 20_000_000);
    expect(d.state).toBe('shutdown');
    expect(ts.console(d)).toBe(
      `Hello over the console ring! Type, and Ctrl-D ends.\r\n${typed}\r\n\r\nbye\r\n`,
    );
    expect(ts.consoled.pendingInput(d.domid)).toBe(0);
  });

  it('feeds `in` only as far as the guest has consumed, across the 2^32 wrap', () => {
    const mem = new PhysMemory(8 * PAGE_SIZE);
    mem.write32(RING + XENCONS.in_cons, 0xfffffff0);
    mem.write32(RING + XENCONS.in_prod, 0xfffffff0 + 1000);
    expect(consoleFeedIn(mem, RING, new Array(100).fill(65))).toBe(24);
    expect(mem.read32(RING + XENCONS.in_prod) >>> 0).toBe((0xfffffff0 + 1024) >>> 0);
    expect(mem.read8(RING + XENCONS.in + ((0xfffffff0 + 1023) & 1023))).toBe(65);
  });

  it('a guest that breaks `in` loses its console and its typed input, nothing more', () => {
    const mem = new PhysMemory(8 * PAGE_SIZE);
    const consoled = new Xenconsoled(mem);
    const log: string[] = [];
    consoled.listen({ log: (line) => log.push(line) });
    consoled.connect(3, RING, 2);
    mem.write32(RING + XENCONS.in_cons, 5000);
    consoled.type(3, 'ls\r');
    expect(consoled.closedReason(3)).toMatch(/in_prod - in_cons = \d+, more than the 1024-byte/);
    expect(log).toEqual([`console of domain 3 closed: ${consoled.closedReason(3)}`]);
    consoled.type(3, 'more');
    consoled.notify(3, 2);
    expect(mem.read32(RING + XENCONS.in_prod)).toBe(0);
  });

  it('an event on another port than the console’s is not the console’s', () => {
    const mem = new PhysMemory(8 * PAGE_SIZE);
    const consoled = new Xenconsoled(mem);
    consoled.connect(1, RING, 2);
    mem.write8(RING + XENCONS.out, 0x41);
    mem.write32(RING + XENCONS.out_prod, 1);
    consoled.notify(1, 3);
    expect(consoled.output(1)).toBe('');
    consoled.notify(1, 2);
    expect(consoled.output(1)).toBe('A');
  });
});
