// 02-copy-from-guest: reading a buffer a guest passed by virtual address (book §2.3). The vCPU
// runs on page tables the test builds, with pages at random addresses on scattered frames.

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import { HYPERVISOR_VIRT_START } from '../src/xen/abi.ts';
import { EFAULT } from '../src/xen/errno.ts';
import { copyFromGuest } from '../src/xen/guest-access.ts';
import { GDT_VIRT_START } from '../src/xen/x86-desc.ts';
import { randomBytes, randomPageVa, testGuest } from './fixtures.ts';

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** What copyFromGuest returned, as something a message can show. */
function shown(result: Uint8Array | number): string {
  return typeof result === 'number' ? `the error ${result}` : `${result.length} bytes`;
}

describe('02-copy-from-guest', () => {
  test('copies a buffer inside one page', () => {
    const rng = testRng('02-copy-from-guest/one-page');
    const g = testGuest();
    for (let i = 0; i < 8; i++) {
      const page = randomPageVa(rng);
      g.map(page);
      const length = 1 + rng.below(PAGE_SIZE - 1);
      const va = page + rng.below(PAGE_SIZE - length + 1);
      const bytes = randomBytes(rng, length);
      g.poke(va, bytes);
      const result = copyFromGuest(g.cpu, va, length);
      expect(
        result,
        `copyFromGuest(${hex(va)}, ${length}) must return the guest's bytes, got ${shown(result)}`,
      ).toEqual(bytes);
    }
  });

  test('copies across pages whose frames are scattered in machine memory', () => {
    const rng = testRng('02-copy-from-guest/pages');
    const g = testGuest();
    const pages = 2 + rng.below(4);
    const base = randomPageVa(rng);
    // Map the pages in a shuffled order, so neighbouring pages are not neighbouring frames.
    const order = Array.from({ length: pages }, (_, i) => i);
    for (let i = pages - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const frames = order.map((i) => g.map(base + i * PAGE_SIZE));
    const va = base + rng.below(PAGE_SIZE);
    const length = (pages - 1) * PAGE_SIZE - (va - base) + 1 + rng.below(PAGE_SIZE - 1);
    const bytes = randomBytes(rng, length);
    g.poke(va, bytes);
    const result = copyFromGuest(g.cpu, va, length);
    expect(
      result,
      `a ${length}-byte buffer at ${hex(va)} spans ${pages} pages mapped to frames ` +
        `${frames.join(', ')} (in page order ${order.join(', ')}): translate each page on its ` +
        `own, since the next virtual page is not the next machine frame; got ${shown(result)}`,
    ).toEqual(bytes);
  });

  test('reads read-only pages, and a zero-length copy succeeds', () => {
    const rng = testRng('02-copy-from-guest/read-only');
    const g = testGuest();
    const page = randomPageVa(rng);
    g.map(page, false);
    const bytes = randomBytes(rng, 64);
    g.poke(page + 100, bytes);
    expect(copyFromGuest(g.cpu, page + 100, 64), 'a read-only page can be read').toEqual(bytes);
    const empty = copyFromGuest(g.cpu, randomPageVa(rng), 0);
    expect(empty, 'copying 0 bytes copies nothing and is no error').toEqual(new Uint8Array(0));
  });

  test('answers -EFAULT when any page of the buffer is not mapped', () => {
    const rng = testRng('02-copy-from-guest/unmapped');
    const g = testGuest();
    for (let i = 0; i < 6; i++) {
      const page = randomPageVa(rng);
      // Page `page` is mapped; the page after it is not (unless an earlier round mapped it).
      g.map(page);
      if (i % 2 === 0) {
        const va = page + PAGE_SIZE + rng.below(PAGE_SIZE);
        expect(
          copyFromGuest(g.cpu, va, 1 + rng.below(64)),
          `${hex(va)} is not mapped: -EFAULT (${-EFAULT}), a value, never an exception`,
        ).toBe(-EFAULT);
      } else {
        const va = page + PAGE_SIZE - 1 - rng.below(32);
        const length = page + PAGE_SIZE - va + 1 + rng.below(64);
        expect(
          copyFromGuest(g.cpu, va, length),
          `the buffer ${hex(va)}+${length} starts on a mapped page and runs into an unmapped ` +
            'one: -EFAULT',
        ).toBe(-EFAULT);
      }
    }
  });

  test("refuses Xen's hole even where it is mapped, and buffers that wrap", () => {
    const rng = testRng('02-copy-from-guest/hole');
    const g = testGuest();
    const gdt = GDT_VIRT_START + rng.below(PAGE_SIZE - 16);
    expect(
      copyFromGuest(g.cpu, gdt, 8),
      `${hex(gdt)} is Xen's GDT: mapped in every guest's tables, but at or above ` +
        `HYPERVISOR_VIRT_START (${hex(HYPERVISOR_VIRT_START)}) no guest buffer may lie ` +
        '(access_ok): -EFAULT',
    ).toBe(-EFAULT);
    const below = HYPERVISOR_VIRT_START - PAGE_SIZE;
    g.map(below);
    const va = below + PAGE_SIZE - 1 - rng.below(16);
    expect(
      copyFromGuest(g.cpu, va, 64),
      `a buffer at ${hex(va)} that runs into the hole is refused whole: -EFAULT`,
    ).toBe(-EFAULT);
    const top = 0xffffffff - rng.below(64);
    expect(
      copyFromGuest(g.cpu, top, 128),
      `a buffer at ${hex(top)} wraps past 4 GiB: -EFAULT`,
    ).toBe(-EFAULT);
  });
});
