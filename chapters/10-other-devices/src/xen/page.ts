// Your working copy for chapter 10, generated from solutions/xen/page.ts by npx xenlab stage.
// PAE page-table entries: the machine frame an entry names, and the L1 entry that maps a
// virtual address in a guest's tables: book §2.1, §5.2; Xen xen/arch/x86/include/asm/page.h
// (l1e_get_mfn), xen/arch/x86/pv/mm.c (map_guest_l1e), Intel SDM vol. 3A §4.4.
//
// Every walk of a guest's tables and every decoding of an entry goes through here, so that
// all of Xen reads an entry the same way: address bits 12–43 (the high word's bits 0–11), a
// CR3 that names its L3 in bits 5–31, a 2 MiB (PSE) L2 entry that has no L1 below it.

import { PAGE_SIZE, type PhysMemory } from '../../../../sim/host.ts';
import { _PAGE_PRESENT, _PAGE_PSE, HYPERVISOR_VIRT_START } from './abi.ts';

/** The machine frame a PAE entry (lo, hi) points at. */
export function pteMfn(lo: number, hi: number): number {
  return (lo >>> 12) + (hi & 0xfff) * 0x100000;
}

/**
 * map_guest_l1e: the machine address of the L1 entry that maps `va` under `cr3`, or -1 when
 * `va` lies in Xen's hole, an L3 or L2 entry on the way is not present, the L2 entry maps a
 * 2 MiB page, or a table lies outside machine memory. Whether the L1 is a validated table is
 * the caller's question (chapter 05).
 */
export function l1eAddress(mem: PhysMemory, cr3: number, va: number): number {
  if (va >>> 0 >= HYPERVISOR_VIRT_START) return -1;
  const l3 = (cr3 & ~0x1f) >>> 0;
  if (l3 >>> 12 >= mem.frames) return -1;
  const l3e = l3 + (va >>> 30) * 8;
  const l3lo = mem.read32(l3e) >>> 0;
  if ((l3lo & _PAGE_PRESENT) === 0) return -1;
  const l2 = pteMfn(l3lo, mem.read32(l3e + 4));
  if (l2 >= mem.frames) return -1;
  const l2e = l2 * PAGE_SIZE + ((va >>> 21) & 511) * 8;
  const l2lo = mem.read32(l2e) >>> 0;
  if ((l2lo & _PAGE_PRESENT) === 0 || (l2lo & _PAGE_PSE) !== 0) return -1;
  const l1 = pteMfn(l2lo, mem.read32(l2e + 4));
  if (l1 >= mem.frames) return -1;
  return l1 * PAGE_SIZE + ((va >>> 12) & 511) * 8;
}
