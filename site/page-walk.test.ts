// The page-table walker of chapter 05 (`page-walk` inspector, PageTableWalk.vue): the walk the
// CPU makes, with Xen's frame table beside each level.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asmSourcesUnder } from '../tools/asm-sources.ts';
import { INSPECTORS, type PageWalkView } from './.vitepress/theme/guest/inspectors.ts';
import { startGuest } from './.vitepress/theme/guest/session.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = asmSourcesUnder(join(root, 'solutions/guests'));
const walk = (session: ReturnType<typeof startGuest>, address: number) =>
  INSPECTORS['page-walk']!(session, { address }) as PageWalkView;

describe('page-walk inspector', () => {
  it('walks a bootstrap page: pinned L3, L2, L1, a writable data page', () => {
    const session = startGuest('hello', files);
    const v = walk(session, 0x1234);
    expect(v.steps.map((s) => [s.level, s.type, s.present])).toEqual([
      ['L3', 'L2', true],
      ['L2', 'L1', true],
      ['L1', 'writable', true],
    ]);
    expect(v.machine! & 0xfff).toBe(0x234);
  });

  it("reaches the M2P through the slot-3 L2: Xen's frames, read-only", () => {
    const session = startGuest('hello', files);
    const v = walk(session, 0xf5800000);
    expect(v.steps[0]!.type).toBe('L2 (Xen slot)');
    expect(v.steps[1]!.owner).toBe(-2);
    expect(v.steps.every((s) => s.present)).toBe(true);
    expect(v.steps[1]!.writable).toBe(false);
  });

  it('stops at the first entry that is not present', () => {
    const session = startGuest('hello', files);
    const v = walk(session, 0x40000000);
    expect(v.steps.map((s) => [s.level, s.present])).toEqual([['L3', false]]);
    expect(v.machine).toBe(null);
  });

  it('follows the pagefault guest: its demand page mapped again, writable', () => {
    const session = startGuest('pagefault', files);
    session.run(2_000_000);
    const last = walk(session, 0x5000).steps.at(-1)!;
    expect([last.present, last.writable, last.type]).toEqual([true, true, 'writable']);
  });
});
