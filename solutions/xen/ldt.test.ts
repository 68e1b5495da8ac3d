// xenlab: file from 05
import { describe, expect, it } from 'vitest';
import { auditFrameTable } from '../../chapters/testing/invariants.ts';
import { DS, LDTR, loadSegment, PAGE_SIZE } from '../../sim/host.ts';
import {
  __HYPERVISOR_mmuext_op,
  __HYPERVISOR_update_descriptor,
  __HYPERVISOR_update_va_mapping,
  DOMID_SELF,
  MACH2PHYS_VIRT_START,
  MMUEXT_SET_LDT,
} from './abi.ts';
import { checkDescriptor, GUEST_SEGMENT_MAX_ADDR } from './descriptor.ts';
import { EINVAL } from './errno.ts';
import { vcpuLdt } from './ldt.ts';
import { PGT_seg_desc_page } from './mm.ts';
import { bootTestDomain } from './testing/boot.ts';

/** A data descriptor: base, limit, DPL, page-granular or not. */
function data(base: number, limit: number, dpl: number, granular: boolean): [number, number] {
  const lo = ((limit & 0xffff) | ((base & 0xffff) << 16)) >>> 0;
  const access = 0x80 | (dpl << 5) | 0x13;
  const flags = (granular ? 0x8 : 0) | 0x4;
  const hi =
    ((base >>> 16) & 0xff) |
    (access << 8) |
    (limit & 0xf0000) |
    (flags << 20) |
    (base & 0xff000000);
  return [lo, hi >>> 0];
}

describe('check_descriptor', () => {
  const limitOf = ([lo, hi]: [number, number]) => (lo & 0xffff) | (hi & 0xf0000);

  it('raises DPL 0 to 1; a flat page-granular segment reaches the M2P and ends there', () => {
    const [, hi] = checkDescriptor(...data(0, 0xfffff, 0, true))!;
    expect((hi >>> 13) & 3).toBe(1);
    const flat = checkDescriptor(...data(0, 0xfffff, 1, true))!;
    expect(limitOf(flat).toString(16), 'as FLAT_KERNEL_DS: 0xF67FFFFF').toBe('f67ff');
    const cut = checkDescriptor(...data(0x1000, 0xfffff, 1, true))!;
    expect(0x1000 + limitOf(cut) * PAGE_SIZE + PAGE_SIZE).toBe(GUEST_SEGMENT_MAX_ADDR);
    const m2p = checkDescriptor(...data(MACH2PHYS_VIRT_START, 0xff, 1, false));
    expect(m2p, 'a segment on the read-only M2P stands as it is').toEqual(
      data(MACH2PHYS_VIRT_START, 0xff, 1, false),
    );
  });

  it('refuses segments above the M2P, byte-granular ones reaching past it, gates into Xen', () => {
    expect(checkDescriptor(...data(0xf6800000, 0xff, 1, false))).toBe(null);
    expect(checkDescriptor(...data(0xf6700100, 0xfffff, 1, false))).toBe(null);
    const gate = (cs: number) => [(cs << 16) >>> 0, 0x8000 | (1 << 13) | 0x0c00] as const;
    expect(checkDescriptor(...gate(0xe008))).toBe(null);
    expect(checkDescriptor(...gate(0xe019))).not.toBe(null);
    expect(checkDescriptor(0, 0x8900)).toBe(null); // a TSS
    expect(checkDescriptor(0x1234, 0x00ff)).toEqual([0x1234, 0x00ff]); // not present
  });
});

describe('MMUEXT_SET_LDT and update_descriptor', () => {
  function setup() {
    const g = bootTestDomain();
    const va = 0x50000;
    const mfn = g.domain.p2m[3000]!;
    const [lo, hi] = data(0x12345000, 0xff, 0, false);
    g.xen.mem.write32(mfn * PAGE_SIZE + 8, lo);
    g.xen.mem.write32(mfn * PAGE_SIZE + 12, hi);
    const setLdt = (base: number, ents: number) => {
      g.poke(0x20000, [MMUEXT_SET_LDT, 0, 0, 0, ...le(base), ...le(ents)]);
      return g.hypercall(__HYPERVISOR_mmuext_op, [0x20000, 1, 0, DOMID_SELF]);
    };
    const audit = () => auditFrameTable(g.xen, vcpuLdt(g.vcpu).loaded?.mfns ?? []);
    return { ...g, va, mfn, setLdt, audit };
  }
  const le = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

  it('takes pages mapped read-only as descriptor pages, checked, and loads LDTR', () => {
    const g = setup();
    expect(g.hypercall(__HYPERVISOR_update_va_mapping, [g.va, g.mfn * PAGE_SIZE + 3, 0, 2])).toBe(
      0,
    );
    expect(g.setLdt(g.va, 16), 'a writable mapping: no').toBe(-EINVAL);
    expect(g.hypercall(__HYPERVISOR_update_va_mapping, [g.va, g.mfn * PAGE_SIZE + 1, 0, 2])).toBe(
      0,
    );
    expect(g.setLdt(g.va, 16)).toBe(0);
    expect(g.xen.heap.type[g.mfn]).toBe(PGT_seg_desc_page);
    expect((g.xen.mem.read32(g.mfn * PAGE_SIZE + 12) >>> 13) & 3, 'DPL raised to 1').toBe(1);
    expect([g.cpu.segBase[LDTR], g.cpu.segLimit[LDTR]]).toEqual([g.va, 127]);
    expect(loadSegment(g.cpu, DS, 0x0d), 'LDT entry 1, RPL 1').toBe(true);
    expect(g.cpu.segBase[DS]! >>> 0).toBe(0x12345000);
    expect(
      g.hypercall(__HYPERVISOR_update_va_mapping, [0x60000, g.mfn * PAGE_SIZE + 3, 0, 2]),
      'never writable now',
    ).toBe(-EINVAL);
    expect(g.audit()).toEqual([]);
  });

  it('unloads the LDT when its address comes to map another frame', () => {
    const g = setup();
    g.hypercall(__HYPERVISOR_update_va_mapping, [g.va, g.mfn * PAGE_SIZE + 1, 0, 2]);
    expect(g.setLdt(g.va, 16)).toBe(0);
    expect(
      g.hypercall(__HYPERVISOR_update_va_mapping, [
        g.va,
        g.domain.p2m[3001]! * PAGE_SIZE + 1,
        0,
        2,
      ]),
    ).toBe(0);
    expect([vcpuLdt(g.vcpu).loaded, g.cpu.segAccess[LDTR]]).toEqual([null, 0]);
    expect(g.xen.heap.typeCount[g.mfn]).toBe(0);
    expect(g.audit()).toEqual([]);
  });

  it('update_descriptor checks what it writes into a descriptor page', () => {
    const g = setup();
    g.hypercall(__HYPERVISOR_update_va_mapping, [g.va, g.mfn * PAGE_SIZE + 1, 0, 2]);
    expect(g.setLdt(g.va, 16)).toBe(0);
    const ma = g.mfn * PAGE_SIZE + 16;
    expect(
      g.hypercall(__HYPERVISOR_update_descriptor, [ma, 0, ...data(0xf6800000, 0xff, 1, false)]),
    ).toBe(-EINVAL);
    expect(
      g.hypercall(__HYPERVISOR_update_descriptor, [ma, 0, ...data(0x1000, 0xff, 1, false)]),
    ).toBe(0);
    expect(g.xen.mem.read32(ma + 4) >>> 0).toBe(data(0x1000, 0xff, 1, false)[1]);
    expect(
      g.hypercall(__HYPERVISOR_update_descriptor, [g.xen.area.idtMfn * PAGE_SIZE, 0, 0, 0]),
      "Xen's frame",
    ).toBe(-EINVAL);
  });
});
