// 02-hypercall-page: the page of 32-byte stubs a guest calls to enter Xen (book §2.3). The
// frame is filled with garbage first, so every byte the guest will see must be written.

import { describe, expect, test } from 'vitest';
import { disassemble, PAGE_SIZE, PhysMemory, type Prng } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import { __HYPERVISOR_iret } from '../src/xen/abi.ts';
import { writeHypercallPage } from '../src/xen/builder.ts';
import { randomBytes } from './fixtures.ts';

const STUBS = PAGE_SIZE / 32;

/** A machine with a random frame full of garbage, then writeHypercallPage on it. */
function page(rng: Prng) {
  const mem = new PhysMemory(1 << 20);
  const mfn = 16 + rng.below(mem.frames - 16);
  mem.writeBytes(mfn * PAGE_SIZE, randomBytes(rng, PAGE_SIZE));
  writeHypercallPage(mem, mfn);
  const stub = (i: number) => [...mem.readBytes(mfn * PAGE_SIZE + i * 32, 32)];
  return { mem, mfn, stub };
}

const hexBytes = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
const int3 = (n: number) => new Array<number>(n).fill(0xcc);

describe('02-hypercall-page', () => {
  test('stub i is mov eax, i / int 0x82 / ret, padded with int3', () => {
    const { stub, mfn } = page(testRng('02-hypercall-page/stubs'));
    for (let i = 0; i < STUBS; i++) {
      if (i === __HYPERVISOR_iret) continue;
      const expected = [0xb8, i, 0, 0, 0, 0xcd, 0x82, 0xc3, ...int3(24)];
      expect(
        hexBytes(stub(i)),
        `stub ${i} of the hypercall page (frame ${mfn}, byte ${i * 32}): B8 and i as a ` +
          'little-endian dword (mov eax, i), CD 82 (int 0x82), C3 (ret), then 0xCC up to 32 ' +
          'bytes (book §2.3)',
      ).toBe(hexBytes(expected));
    }
  });

  test('stub 23 (iret) pushes EAX and never returns', () => {
    const { stub } = page(testRng('02-hypercall-page/iret'));
    expect(
      hexBytes(stub(__HYPERVISOR_iret)),
      'the guest jumps to iret (23) with an iret frame on its stack: the stub is push eax (50), ' +
        'mov eax, 23 (B8 17 00 00 00), int 0x82 (CD 82), and no ret',
    ).toBe(hexBytes([0x50, 0xb8, __HYPERVISOR_iret, 0, 0, 0, 0xcd, 0x82, ...int3(24)]));
  });

  test('reads as the instructions a guest expects', () => {
    const rng = testRng('02-hypercall-page/disassembly');
    const { stub } = page(rng);
    for (let k = 0; k < 8; k++) {
      let i = rng.below(STUBS);
      if (i === __HYPERVISOR_iret) i = 0;
      const text = disassemble(new Uint8Array(stub(i).slice(0, 8)), { bits: 32, org: 0 })
        .map((l) => l.text)
        .join('; ');
      expect(text, `stub ${i} disassembled`).toBe(`mov eax,0x${i.toString(16)}; int 0x82; ret`);
    }
  });
});
