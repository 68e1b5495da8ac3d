// xenlab: file from 05
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, translateForHost } from '../../sim/host.ts';
import {
  __HYPERVISOR_memory_op,
  __HYPERVISOR_mmu_update,
  __HYPERVISOR_mmuext_op,
  __HYPERVISOR_multicall,
  __HYPERVISOR_xen_version,
  DOMID_SELF,
  MACH2PHYS_VIRT_START,
} from './abi.ts';
import { EINVAL, ENOSYS, ESRCH } from './errno.ts';
import { formatTrace } from './hypercall.ts';
import { auditFrameTable, getM2p, PGT_l1_page_table, PGT_writable_page } from './mm.ts';
import { bootTestDomain } from './testing/boot.ts';

const BUF = 0x20000;
const DONE = 0x21000;

function setup() {
  const g = bootTestDomain();
  const heap = g.xen.heap;
  const u32s = (values: number[]) => {
    const b = new Uint8Array(values.length * 4);
    values.forEach((v, i) => {
      new DataView(b.buffer).setUint32(i * 4, v >>> 0, true);
    });
    return b;
  };
  const mmuUpdate = (reqs: Array<[number, number, number?]>, fd = DOMID_SELF) => {
    g.poke(BUF, u32s(reqs.flatMap(([ptr, lo, hi]) => [ptr, 0, lo, hi ?? 0])));
    return g.hypercall(__HYPERVISOR_mmu_update, [BUF, reqs.length, DONE, fd]);
  };
  const done = () => g.peek(DONE, 4).reduce((a, b, i) => a + b * 256 ** i, 0);
  const audit = () => auditFrameTable(heap, [g.cpu.cr3]);
  const l1Of = (va: number) => {
    const l3 = g.cpu.cr3;
    const l2 = (g.xen.mem.read32(l3 + (va >>> 30) * 8) & ~0xfff) >>> 0;
    const l1 = (g.xen.mem.read32(l2 + ((va >>> 21) & 511) * 8) & ~0xfff) >>> 0;
    return l1 + ((va >>> 12) & 511) * 8;
  };
  return { ...g, heap, mmuUpdate, done, audit, l1Of, u32s };
}

describe('frame table after boot', () => {
  it('is consistent: the bootstrap tables are validated and pinned', () => {
    const g = setup();
    expect(g.audit()).toEqual([]);
    const l3 = g.cpu.cr3 / PAGE_SIZE;
    expect([g.heap.pinned[l3], g.heap.typeCount[l3]]).toEqual([1, 2]);
    expect(g.heap.type[g.domain.p2m[0]!]).toBe(PGT_writable_page);
  });

  it('maps the M2P read-only at 0xF5800000 and fills it for the domain', () => {
    const g = setup();
    const mfn = g.domain.p2m[7]!;
    expect(getM2p(g.heap, mfn)).toBe(7);
    const va = MACH2PHYS_VIRT_START + mfn * 4;
    const pa = translateForHost(g.cpu, va, false);
    expect(pa).toBe(g.heap.m2pMfns[mfn >>> 10]! * PAGE_SIZE + (mfn & 1023) * 4);
    expect(g.xen.mem.read32(pa)).toBe(7);
    expect(translateForHost(g.cpu, va, true)).toBe(-1);
  });
});

describe('mmu_update', () => {
  it('sets M2P entries with MMU_MACHPHYS_UPDATE and counts done', () => {
    const g = setup();
    const mfn = g.domain.p2m[100]!;
    expect(g.mmuUpdate([[mfn * PAGE_SIZE + 1, 4000]])).toBe(0);
    expect([getM2p(g.heap, mfn), g.done()]).toEqual([4000, 1]);
  });

  it('stops at the first bad request; done says how far it got', () => {
    const g = setup();
    const ok = g.domain.p2m[100]! * PAGE_SIZE + 1;
    expect(
      g.mmuUpdate([
        [ok, 1],
        [g.xen.area.idtMfn * PAGE_SIZE + 1, 2],
        [ok, 3],
      ]),
    ).toBe(-EINVAL);
    expect(g.done()).toBe(1);
    expect(g.mmuUpdate([[ok | 3, 1]])).toBe(-ENOSYS);
  });

  it('checks a table entry, and writes a plain page plainly', () => {
    const g = setup();
    const l1e = g.l1Of(0x30000);
    const target = g.domain.p2m[2000]!;
    expect(g.mmuUpdate([[l1e, target * PAGE_SIZE + 3]])).toBe(0);
    expect(translateForHost(g.cpu, 0x30000, true)).toBe(target * PAGE_SIZE);
    const tableFrame = g.cpu.cr3;
    expect(g.mmuUpdate([[l1e, tableFrame + 3]])).toBe(-EINVAL);
    const plain = g.domain.p2m[2001]! * PAGE_SIZE + 16;
    expect(g.mmuUpdate([[plain, 0x12345678]])).toBe(0);
    expect(g.xen.mem.read32(plain)).toBe(0x12345678);
    expect(g.audit()).toEqual([]);
  });

  it('keeps the Accessed and Dirty bits with MMU_PT_UPDATE_PRESERVE_AD', () => {
    const g = setup();
    const l1e = g.l1Of(0x30000);
    g.xen.mem.write32(l1e, g.xen.mem.read32(l1e) | 0x60); // as the CPU's walk sets A and D
    const target = g.domain.p2m[2000]!;
    expect(g.mmuUpdate([[l1e | 2, target * PAGE_SIZE + 3]])).toBe(0);
    expect(g.xen.mem.read32(l1e) & 0x60).toBe(0x60);
  });

  it("refuses Xen's slots in the slot-3 L2 and a foreign domain without privilege", () => {
    const g = setup();
    const l3 = g.cpu.cr3;
    const slot3L2 = (g.xen.mem.read32(l3 + 24) & ~0xfff) >>> 0;
    expect(g.mmuUpdate([[slot3L2 + 428 * 8, 0]])).toBe(-EINVAL);
    expect(g.mmuUpdate([[slot3L2 + 8, 0]], 0)).toBe(-ESRCH);
  });
});

describe('mmuext_op', () => {
  it('clears and copies pages, and refuses to write a table', () => {
    const g = setup();
    const [a, b] = [g.domain.p2m[3000]!, g.domain.p2m[3001]!];
    g.xen.mem.write32(a * PAGE_SIZE + 8, 77);
    g.poke(BUF, g.u32s([17, b, a, 16, a, 0, 16, g.cpu.cr3 / PAGE_SIZE, 0]));
    expect(g.hypercall(__HYPERVISOR_mmuext_op, [BUF, 3, DONE, DOMID_SELF])).toBe(-EINVAL);
    expect([g.xen.mem.read32(b * PAGE_SIZE + 8), g.xen.mem.read32(a * PAGE_SIZE + 8)]).toEqual([
      77, 0,
    ]);
    expect(g.done()).toBe(2);
  });

  it('pins an L1 it can validate', () => {
    const g = setup();
    const f = g.domain.p2m[3002]!;
    g.xen.mem.write32(f * PAGE_SIZE, g.domain.p2m[3003]! * PAGE_SIZE + 1);
    g.poke(BUF, g.u32s([0, f, 0]));
    expect(g.hypercall(__HYPERVISOR_mmuext_op, [BUF, 1, 0, DOMID_SELF])).toBe(0);
    expect(g.heap.type[f]).toBe(PGT_l1_page_table);
    expect(g.audit()).toEqual([]);
  });
});

describe('multicall', () => {
  it('runs every entry, writes each result, refuses nesting, and traces each sub-call', () => {
    const g = setup();
    const traced = g.traces.length;
    const entry = (op: number, args: number[]) =>
      [op, 0xdead, ...args, 0, 0, 0, 0, 0, 0].slice(0, 8);
    g.poke(
      0x22000,
      g.u32s([
        ...entry(__HYPERVISOR_xen_version, [0, 0]),
        ...entry(11, []),
        ...entry(__HYPERVISOR_multicall, [0, 0]),
      ]),
    );
    expect(g.hypercall(__HYPERVISOR_multicall, [0x22000, 3])).toBe(0);
    const results = [0, 1, 2].map(
      (i) => g.peek(0x22000 + i * 32 + 4, 4).reduce((a, b, k) => a + b * 256 ** k, 0) | 0,
    );
    expect(results).toEqual([0x00040001, -ENOSYS, -EINVAL]);
    expect(g.traces.slice(traced).map(formatTrace)).toEqual([
      'd1v0 > xen_version(cmd=XENVER_version, arg=0x0) = 262145',
      'd1v0 > hypercall_11(eax=11) = -ENOSYS',
      'd1v0 > multicall(call_list=0x0, nr_calls=0) = -EINVAL',
      'd1v0 multicall(call_list=0x22000, nr_calls=3) = 0',
    ]);
  });
});

describe('memory_op', () => {
  it('reports the M2P mapping and a one-entry memory map', () => {
    const g = setup();
    expect(g.hypercall(__HYPERVISOR_memory_op, [12, BUF])).toBe(0);
    expect(
      [0, 4, 8].map((o) => g.peek(BUF + o, 4).reduce((a, b, k) => a + b * 256 ** k, 0)),
    ).toEqual([0xf5800000, 0xf6800000, 4194303]);
    g.poke(BUF, g.u32s([4, BUF + 0x100]));
    expect(g.hypercall(__HYPERVISOR_memory_op, [9, BUF])).toBe(0);
    expect(g.peek(BUF, 4)[0]).toBe(1);
    expect(g.peek(BUF + 0x108, 4)).toEqual([0, 0, 0, 1]); // 16 MiB
    expect(g.hypercall(__HYPERVISOR_memory_op, [2, 0])).toBe(g.heap.owner.length);
  });

  it('a destroyed domain gives back every frame it holds, ballooned or not', () => {
    const g = setup();
    const free = g.heap.free;
    const mfn = g.domain.p2m[4000]!;
    g.poke(BUF, g.u32s([BUF + 0x100, 1, 0, 0, DOMID_SELF]));
    g.poke(BUF + 0x100, g.u32s([mfn]));
    expect(g.hypercall(__HYPERVISOR_memory_op, [1, BUF])).toBe(1);
    expect(g.heap.free).toBe(free + 1);
    g.xen.destroyDomain(g.domain);
    expect(g.heap.owner.every((o) => o !== g.domain.domid)).toBe(true);
  });
});
