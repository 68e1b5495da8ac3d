// xenlab: file from 02
import { describe, expect, it } from 'vitest';
import { CS, HostMode, PhysMemory, SS, TR } from '../../sim/host.ts';
import { Heap } from './heap.ts';
import { bootTestDomain } from './testing/boot.ts';
import { buildXenArea, TSS_SELECTOR } from './x86-desc.ts';

function area() {
  const mem = new PhysMemory(4 << 20);
  const a = buildXenArea(new Heap(mem));
  const gdt = (selector: number) => {
    const byte = selector & ~7;
    const ma = a.gdtMfns[byte >>> 12]! * 4096 + (byte & 0xfff);
    return [mem.read32(ma), mem.read32(ma + 4)];
  };
  const idt = (vector: number) => [
    mem.read32(a.idtMfn * 4096 + vector * 8),
    mem.read32(a.idtMfn * 4096 + vector * 8 + 4),
  ];
  return { mem, a, gdt, idt };
}

describe('Xen’s GDT, IDT and TSS (docs/xen-abi.md §1.2, §1.4)', () => {
  it('holds the flat selectors at entries 7169–7174, limited below the M2P’s end', () => {
    const { gdt } = area();
    // base 0, limit 0xF67FF pages, G=1 D=1; access: P, DPL, S, code exec/read or data r/w.
    expect(gdt(0xe008)).toEqual([0x0000ffff, 0x00cf9b00]);
    expect(gdt(0xe010)).toEqual([0x0000ffff, 0x00cf9300]);
    expect(gdt(0xe019)).toEqual([0x000067ff, 0x00cfbb00]);
    expect(gdt(0xe021)).toEqual([0x000067ff, 0x00cfb300]);
    expect(gdt(0xe02b)).toEqual([0x000067ff, 0x00cffb00]);
    expect(gdt(0xe033)).toEqual([0x000067ff, 0x00cff300]);
    expect(gdt(0x0008)).toEqual([0, 0]); // guest entries start empty
  });

  it('gates 0x82 with DPL 1, INT3/INTO with DPL 3, the rest DPL 0, all to __HYPERVISOR_CS', () => {
    const { idt } = area();
    const dpl = (v: number) => (idt(v)[1]! >>> 13) & 3;
    expect(dpl(0x82)).toBe(1);
    expect(dpl(3)).toBe(3);
    expect(dpl(4)).toBe(3);
    expect(dpl(13)).toBe(0);
    expect(dpl(0x80)).toBe(0);
    for (const v of [0, 14, 0x82, 255]) {
      expect(idt(v)[0]! >>> 16).toBe(0xe008);
      expect((idt(v)[1]! >>> 8) & 0x9f).toBe(0x8e); // present 32-bit interrupt gate
    }
  });

  it('loads a vCPU with Xen’s tables, TR, and PV host mode', () => {
    const { cpu } = bootTestDomain();
    expect(cpu.hostMode).toBe(HostMode.Pv);
    expect(cpu.gdtBase >>> 0).toBe(0xff000000);
    expect(cpu.gdtLimit).toBe(16 * 4096 - 1);
    expect(cpu.idtBase >>> 0).toBe(0xff010000);
    expect(cpu.segSelector[TR]).toBe(TSS_SELECTOR);
    expect(cpu.segAccess[CS]! & 0x60).toBe(0x20); // DPL 1
    expect(cpu.segAccess[SS]! & 0x60).toBe(0x20);
  });
});
