import { describe, expect, it } from 'vitest';
import { type MmioHandler, PAGE_SIZE, PageKind, PhysMemory } from './memory.ts';

describe('PhysMemory page kinds', () => {
  it('RAM reads back what was written, little-endian, across frame boundaries', () => {
    const mem = new PhysMemory(4 * PAGE_SIZE);
    mem.write32(0x100, 0x11223344);
    expect(mem.read8(0x100)).toBe(0x44);
    expect(mem.read16(0x102)).toBe(0x1122);
    mem.write32(PAGE_SIZE - 2, 0xaabbccdd);
    expect(mem.read32(PAGE_SIZE - 2)).toBe(0xaabbccdd);
    expect(mem.read16(PAGE_SIZE)).toBe(0xaabb);
  });

  it('ROM keeps its contents against writes', () => {
    const mem = new PhysMemory(4 * PAGE_SIZE);
    mem.loadRom(PAGE_SIZE, Uint8Array.of(0xea, 0x5b, 0xe0));
    expect(mem.kindOf(1)).toBe(PageKind.Rom);
    mem.write8(PAGE_SIZE, 0x90);
    mem.write32(PAGE_SIZE, 0);
    expect(mem.read8(PAGE_SIZE)).toBe(0xea);
    expect(mem.read16(PAGE_SIZE + 1)).toBe(0xe05b);
    expect(() => mem.loadRom(10, Uint8Array.of(1))).toThrow(/frame-aligned/);
  });

  it('unbacked frames read all ones and drop writes, also above the end of RAM', () => {
    const mem = new PhysMemory(4 * PAGE_SIZE);
    mem.setKind(2, 1, PageKind.Unbacked);
    mem.write32(2 * PAGE_SIZE, 0);
    expect(mem.read32(2 * PAGE_SIZE)).toBe(0xffffffff);
    expect(mem.read8(0xfee00000)).toBe(0xff);
    expect(mem.read32(0xfffffffc)).toBe(0xffffffff);
    expect(mem.kindOf(0xfffff)).toBe(PageKind.Unbacked);
    // A read straddling RAM and unbacked space mixes both.
    mem.write8(2 * PAGE_SIZE - 1, 0x12);
    expect(mem.read16(2 * PAGE_SIZE - 1)).toBe(0xff12);
  });

  it('MMIO frames call their handler with the physical address and size', () => {
    const mem = new PhysMemory(4 * PAGE_SIZE);
    const log: string[] = [];
    const device: MmioHandler = {
      read: (addr, size) => {
        log.push(`r${size}@${addr.toString(16)}`);
        return 0x87654321;
      },
      write: (addr, size, value) => log.push(`w${size}@${addr.toString(16)}=${value.toString(16)}`),
    };
    mem.mapMmio(3, 1, device);
    expect(mem.kindOf(3)).toBe(PageKind.Mmio);
    expect(mem.read32(0x3010)).toBe(0x87654321);
    expect(mem.read16(0x3010)).toBe(0x4321);
    expect(mem.read8(0x3011)).toBe(0x21);
    mem.write32(0x3020, 0xdeadbeef);
    mem.write8(0x3024, 0x1ff);
    expect(log).toEqual(['r4@3010', 'r2@3010', 'r1@3011', 'w4@3020=deadbeef', 'w1@3024=ff']);
    mem.setKind(3, 1, PageKind.Ram);
    mem.write8(0x3000, 7);
    expect(mem.read8(0x3000)).toBe(7);
    expect(log).toHaveLength(5);
  });

  it('rejects sizes that are not whole frames, and kinds beyond RAM', () => {
    expect(() => new PhysMemory(1000)).toThrow(RangeError);
    const mem = new PhysMemory(PAGE_SIZE);
    expect(() => mem.setKind(1, 1, PageKind.Rom)).toThrow(/not backed/);
  });
});
