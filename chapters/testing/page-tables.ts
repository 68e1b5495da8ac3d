// A guest's PAE page tables as the grader reads them, straight from machine memory (Intel SDM
// vol. 3A §4.4): the frame an entry names, and the L1 entry that maps a virtual address.

export interface TableMemory {
  readonly frames: number;
  /** Machine RAM, frames 0 … frames-1. */
  readonly ram: Uint8Array;
  read32(addr: number): number;
}

/** The machine frame a PAE entry (lo, hi) names: address bits 12–43. */
export function entryMfn(lo: number, hi: number): number {
  return (lo >>> 12) + (hi & 0xfff) * 0x100000;
}

/**
 * The machine address of the L1 entry that maps `va` under `cr3`, or -1 when an L3 or L2
 * entry on the way is not present or maps a 2 MiB page.
 */
export function l1eAddressOf(mem: TableMemory, cr3: number, va: number): number {
  let table = (cr3 & ~0x1f) >>> 0;
  const indexes = [va >>> 30, (va >>> 21) & 511];
  for (const [level, index] of indexes.entries()) {
    const ma = (level === 0 ? table : table * 4096) + index * 8;
    const lo = mem.read32(ma) >>> 0;
    if ((lo & 1) === 0 || (level === 1 && (lo & 0x80) !== 0)) return -1;
    table = entryMfn(lo, mem.read32(ma + 4));
    if (table >= mem.frames) return -1;
  }
  return table * 4096 + ((va >>> 12) & 511) * 8;
}
