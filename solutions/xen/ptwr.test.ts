// xenlab: file from 05
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, translateForHost } from '../../sim/host.ts';
import { __HYPERVISOR_vm_assist, SHUTDOWN_crash } from './abi.ts';
import { auditFrameTable } from './mm.ts';
import { runDomains } from './schedule.ts';
import { bootTestDomain, minimalKernel } from './testing/boot.ts';

const TARGET_VA = 0x30000;

/**
 * A guest whose first instruction stores `value` into the L1 entry that maps TARGET_VA (plus
 * 2 MiB × `which`): the bootstrap L1s follow the L3 and the two L2s; the first maps itself, the
 * second is mapped by the first.
 */
function storeToL1(value: (mfnOf: (pfn: number) => number) => number, assist: boolean, which = 0) {
  const probe = bootTestDomain();
  const l1va = (probe.layout.pgtablesPfn + 1 + probe.layout.l2Count + which) * PAGE_SIZE;
  const entryVa = l1va + (TARGET_VA >>> 12) * 8;
  const v = value((pfn) => probe.domain.p2m[pfn]!);
  const code = [0xc7, 0x05, ...le(entryVa), ...le(v), 0xeb, 0xfe];
  const g = bootTestDomain({}, minimalKernel(code));
  if (assist) expect(g.hypercall(__HYPERVISOR_vm_assist, [0, 2])).toBe(0);
  g.domain.unpause();
  runDomains(g.xen, 1000);
  return g;
}

const le = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

describe('writable page tables (VMASST_TYPE_writable_pagetables)', () => {
  it('commits a valid store to an L1, moving the references', () => {
    for (const which of [0, 1]) {
      const g = storeToL1((mfn) => mfn(3000) * PAGE_SIZE + 0x23, true, which);
      const va = TARGET_VA + which * 0x200000;
      expect(g.domain.shutdownReason).toBe(-1);
      expect(translateForHost(g.cpu, va, true)).toBe(g.domain.p2m[3000]! * PAGE_SIZE);
      expect(auditFrameTable(g.xen.heap, [g.cpu.cr3])).toEqual([]);
    }
  });

  it('refuses a store that maps a frame the guest does not own: the guest gets the #PF', () => {
    const g = storeToL1(() => 0x1000 + 0x23, true);
    expect(g.domain.shutdownReason).toBe(SHUTDOWN_crash);
    expect(translateForHost(g.cpu, TARGET_VA, false)).toBe(
      g.domain.p2m[TARGET_VA >>> 12]! * PAGE_SIZE,
    );
    expect(auditFrameTable(g.xen.heap, [g.cpu.cr3])).toEqual([]);
  });

  it('without the assist, the store is an ordinary page fault', () => {
    const g = storeToL1((mfn) => mfn(3000) * PAGE_SIZE + 0x23, false);
    expect(g.domain.shutdownReason).toBe(SHUTDOWN_crash);
  });
});
