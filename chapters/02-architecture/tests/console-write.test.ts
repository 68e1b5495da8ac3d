// 02-console-write: console_io(CONSOLEIO_write, count, buffer) (book §2.3). The handler is
// called directly, on a vCPU whose buffer pages the test maps; it needs 02-copy-from-guest.

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import { CONSOLEIO_write, HYPERVISOR_VIRT_START } from '../src/xen/abi.ts';
import { doConsoleIo } from '../src/xen/console.ts';
import { EFAULT } from '../src/xen/errno.ts';
import { bytesOf, randomPageVa, randomText, testGuest } from './fixtures.ts';

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** Puts `text` at a random address over freshly mapped pages; returns its address. */
function place(g: ReturnType<typeof testGuest>, rng: ReturnType<typeof testRng>, text: string) {
  const base = randomPageVa(rng);
  const va = base + rng.below(PAGE_SIZE);
  for (let p = base; p < va + text.length; p += PAGE_SIZE) g.map(p);
  g.poke(va, bytesOf(text));
  return va;
}

const consoleIo = (g: ReturnType<typeof testGuest>, count: number, buffer: number) =>
  doConsoleIo(g.ctx, new Uint32Array([CONSOLEIO_write, count, buffer, 0, 0, 0]));

describe('02-console-write', () => {
  test("writes the guest's bytes to Xen's console", () => {
    const rng = testRng('02-console-write/short');
    const g = testGuest(1 + rng.below(50));
    let expected = '';
    for (let i = 0; i < 5; i++) {
      const text = `${randomText(rng, 1 + rng.below(60))}\r\n`;
      const va = place(g, rng, text);
      expect(consoleIo(g, text.length, va), 'CONSOLEIO_write returns 0').toBe(0);
      expected += text;
      expect(
        g.xen.consoleOutput.get(g.domain.domid) ?? '',
        `after console_io(CONSOLEIO_write, ${text.length}, ${hex(va)}) Xen's console holds what ` +
          `domain ${g.domain.domid} wrote so far: hand the copied bytes to ctx.xen.consoleWrite`,
      ).toBe(expected);
    }
  });

  test('writes a long buffer across pages, every byte once', () => {
    const rng = testRng('02-console-write/long');
    const g = testGuest();
    const text = randomText(rng, 300 + rng.below(3000));
    const va = place(g, rng, text);
    expect(consoleIo(g, text.length, va), 'CONSOLEIO_write returns 0').toBe(0);
    const got = g.xen.consoleOutput.get(g.domain.domid) ?? '';
    expect(
      got.length === text.length && got === text,
      `${text.length} bytes at ${hex(va)} must reach the console exactly once and in order ` +
        `(got ${got.length} bytes${got === text ? '' : ', differing'}): copy in chunks of ` +
        'CONSOLE_CHUNK, each from where the last ended',
    ).toBe(true);
  });

  test('prints the whole 127-byte chunks before a bad page, then answers -EFAULT', () => {
    const rng = testRng('02-console-write/chunks');
    const g = testGuest();
    const chunks = 1 + rng.below(20);
    const good = chunks * 127 + rng.below(127);
    const text = randomText(rng, good);
    // The buffer ends `good` bytes in, where an unmapped page begins.
    const end = randomPageVa(rng) + Math.ceil(good / PAGE_SIZE) * PAGE_SIZE;
    const va = end - good;
    for (let p = end - PAGE_SIZE; p >= va - (va % PAGE_SIZE); p -= PAGE_SIZE) g.map(p);
    g.poke(va, bytesOf(text));
    const count = good + 1 + rng.below(500);
    expect(
      consoleIo(g, count, va),
      `console_io(CONSOLEIO_write, ${count}, ${hex(va)}): byte ${good} is on an unmapped page, so -EFAULT`,
    ).toBe(-EFAULT);
    const got = g.xen.consoleOutput.get(g.domain.domid) ?? '';
    expect(
      got.length,
      `${good} readable bytes precede the bad page: Xen copies and prints CONSOLE_CHUNK = 127 ` +
        `bytes at a time, so the ${chunks} whole chunks before the fault (${chunks * 127} bytes) ` +
        'reach the console before the chunk that faults ends the call with -EFAULT (book §2.3)',
    ).toBe(chunks * 127);
    expect(got, 'and those bytes are the start of the buffer').toBe(text.slice(0, chunks * 127));
  });

  test('writes nothing for a count of 0', () => {
    const g = testGuest();
    expect(consoleIo(g, 0, 0x1000), 'a zero count is no error').toBe(0);
    expect(g.xen.consoleOutput.get(g.domain.domid) ?? '', 'nothing was written').toBe('');
  });

  test('answers -EFAULT for a buffer the guest cannot give', () => {
    const rng = testRng('02-console-write/fault');
    const g = testGuest();
    const unmapped = randomPageVa(rng) + rng.below(PAGE_SIZE);
    expect(
      consoleIo(g, 1 + rng.below(100), unmapped),
      `${hex(unmapped)} is not mapped: console_io returns -EFAULT (${-EFAULT})`,
    ).toBe(-EFAULT);
    const hole = HYPERVISOR_VIRT_START + rng.below(0x1000000);
    expect(consoleIo(g, 1 + rng.below(100), hole), `${hex(hole)} is in Xen's hole: -EFAULT`).toBe(
      -EFAULT,
    );
  });
});
