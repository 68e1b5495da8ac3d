// Your working copy for chapter 10, generated from solutions/xen/x86-desc.ts by npx xenlab stage.
// Xen's own x86 tables — GDT with the flat guest selectors, IDT with the hypercall gate, TSS —
// and where they sit in the hole every guest leaves to Xen: book §2.3; Xen
// xen/arch/x86/x86_32/mm.c, xen/include/asm-x86/desc.h, xen/arch/x86/traps.c (trap_init).

// The hole, 0xF5800000–0xFFFFFFFF, is what the guest's L3 slot 3 L2 maps from slot 428 up:
//
//   0xF5800000 ┌──────────────────────────┐ L2 slot 428
//              │ M2P, read-only (ch. 05)  │
//   0xF6800000 ├──────────────────────────┤ FLAT_RING1/3 segments end here (limit 0xF67FFFFF)
//              │ (unused)                 │
//   0xFF000000 ├──────────────────────────┤ L2 slot 504, one L1 shared by every guest
//              │ GDT: 16 pages            │   entries 0–7167 the guest's, 7168+ Xen's
//   0xFF010000 │ IDT: 1 page              │
//   0xFF011000 │ TSS: 1 page              │
//   0xFF012000 │ Xen stack: 1 page        │
//   0xFF200000 └──────────────────────────┘
//
// The guest reaches none of it: its flat segments end below, so only the CPU's own table walks
// (descriptor loads, gate lookups) read these pages. Ring 0 never runs x86 code here; the IDT
// gates point at __HYPERVISOR_CS only so that the CPU hands every ring-0 transfer to Xen.

import {
  type Cpu,
  CS,
  DS,
  ES,
  FS,
  GS,
  LDTR,
  PAGE_SIZE,
  type PhysMemory,
  SS,
  TR,
  VEC_BP,
  VEC_OF,
} from '../../../../sim/host.ts';
import {
  __HYPERVISOR_CS,
  __HYPERVISOR_DS,
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_PRESENT,
  _PAGE_RW,
  FLAT_RING1_CS,
  FLAT_RING1_DS,
  FLAT_RING3_CS,
  FLAT_RING3_DS,
  HYPERCALL_VECTOR,
  MACH2PHYS_VIRT_END,
} from './abi.ts';
import type { Heap } from './heap.ts';

export const XEN_AREA_VIRT_START = 0xff000000;
export const GDT_VIRT_START = XEN_AREA_VIRT_START;
export const GDT_PAGES = 16;
export const IDT_VIRT_START = GDT_VIRT_START + GDT_PAGES * PAGE_SIZE;
export const TSS_VIRT_START = IDT_VIRT_START + PAGE_SIZE;
export const XEN_STACK_VIRT_START = TSS_VIRT_START + PAGE_SIZE;
/** The L2 slot (in the L2 that L3 slot 3 points at) whose L1 maps the area above. */
export const XEN_AREA_L2_SLOT = ((XEN_AREA_VIRT_START - 0xc0000000) / 0x200000) | 0;
/** GDT entry of Xen's TSS (TSS_ENTRY in Xen's x86_32 desc.h: FIRST_RESERVED_GDT_ENTRY + 8). */
export const TSS_ENTRY = 7176;
export const TSS_SELECTOR = TSS_ENTRY << 3;

/** Descriptor access byte (byte 5) and flags nibble (high half of byte 6). */
const ACC_CODE_RX = 0x1b; // S=1, code, readable, accessed
const ACC_DATA_RW = 0x13; // S=1, data, writable, accessed
const ACC_TSS_BUSY = 0x0b; // 32-bit TSS, busy
const ACC_PRESENT = 0x80;
const FLAGS_4K_32 = 0xc; // G=1, D/B=1
const GATE_INTR32 = 0x0e;

/** An 8-byte segment descriptor as [low dword, high dword]. */
export function segmentDescriptor(
  base: number,
  limit: number,
  access: number,
  flags: number,
): [number, number] {
  const low = ((limit & 0xffff) | ((base & 0xffff) << 16)) >>> 0;
  const high =
    (((base >>> 16) & 0xff) |
      (access << 8) |
      (((limit >>> 16) & 0xf) << 16) |
      (flags << 20) |
      (base & 0xff000000)) >>>
    0;
  return [low, high];
}

/** Xen's reserved GDT entries, by selector: the flat segments of docs/xen-abi.md §1.2. */
function reservedDescriptors(): Array<[number, [number, number]]> {
  const ring1Limit = (MACH2PHYS_VIRT_END - 1) >>> 12; // in 4 KiB units: 0xF67FF
  const dpl = (n: number) => ACC_PRESENT | (n << 5);
  return [
    [__HYPERVISOR_CS, segmentDescriptor(0, 0xfffff, dpl(0) | ACC_CODE_RX, FLAGS_4K_32)],
    [__HYPERVISOR_DS, segmentDescriptor(0, 0xfffff, dpl(0) | ACC_DATA_RW, FLAGS_4K_32)],
    [FLAT_RING1_CS, segmentDescriptor(0, ring1Limit, dpl(1) | ACC_CODE_RX, FLAGS_4K_32)],
    [FLAT_RING1_DS, segmentDescriptor(0, ring1Limit, dpl(1) | ACC_DATA_RW, FLAGS_4K_32)],
    [FLAT_RING3_CS, segmentDescriptor(0, ring1Limit, dpl(3) | ACC_CODE_RX, FLAGS_4K_32)],
    [FLAT_RING3_DS, segmentDescriptor(0, ring1Limit, dpl(3) | ACC_DATA_RW, FLAGS_4K_32)],
    [TSS_SELECTOR, segmentDescriptor(TSS_VIRT_START, 0x67, ACC_PRESENT | ACC_TSS_BUSY, 0)],
  ];
}

/** Gate DPL per vector: 1 for the hypercall, 3 for INT3/INTO (as Xen's trap_init), else 0. */
function gateDpl(vector: number): number {
  if (vector === HYPERCALL_VECTOR) return 1;
  if (vector === VEC_BP || vector === VEC_OF) return 3;
  return 0;
}

/** Machine frames and L2 entries of Xen's area, built once at boot. */
export interface XenArea {
  gdtMfns: number[];
  idtMfn: number;
  tssMfn: number;
  stackMfn: number;
  /** The L1 mapping the area; guests' slot-3 L2s point at it from XEN_AREA_L2_SLOT. */
  l1Mfn: number;
}

/** Allocates and fills Xen's GDT, IDT, TSS and the L1 that maps them. */
export function buildXenArea(heap: Heap): XenArea {
  const mem = heap.mem;
  const gdtMfns = Array.from({ length: GDT_PAGES }, () => heap.allocXen());
  const idtMfn = heap.allocXen();
  const tssMfn = heap.allocXen();
  const stackMfn = heap.allocXen();
  const l1Mfn = heap.allocXen();

  for (const [selector, [low, high]] of reservedDescriptors()) {
    const byte = selector & ~7;
    const ma = gdtMfns[byte >>> 12]! * PAGE_SIZE + (byte & 0xfff);
    mem.write32(ma, low);
    mem.write32(ma + 4, high);
  }
  // Every gate targets a ring-0 address that is never executed: the CPU exits to Xen first.
  for (let vector = 0; vector < 256; vector++) {
    const target = XEN_STACK_VIRT_START + vector * 16;
    const ma = idtMfn * PAGE_SIZE + vector * 8;
    mem.write32(ma, ((target & 0xffff) | (__HYPERVISOR_CS << 16)) >>> 0);
    const access = ACC_PRESENT | (gateDpl(vector) << 5) | GATE_INTR32;
    mem.write32(ma + 4, ((target & 0xffff0000) | (access << 8)) >>> 0);
  }
  // TSS: ring-0 stack (SS0 @8, ESP0 @4) and no I/O bitmap (offset past the limit, @102).
  const tss = tssMfn * PAGE_SIZE;
  mem.write32(tss + 4, XEN_STACK_VIRT_START + PAGE_SIZE);
  mem.write32(tss + 8, __HYPERVISOR_DS);
  mem.write16(tss + 102, 0x68);

  const pte = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
  const mapped = [...gdtMfns, idtMfn, tssMfn, stackMfn];
  mapped.forEach((mfn, i) => {
    mem.write32(l1Mfn * PAGE_SIZE + i * 8, mfn * PAGE_SIZE + pte);
    mem.write32(l1Mfn * PAGE_SIZE + i * 8 + 4, 0);
  });
  // Every slot-3 L2 Xen validates gets this entry (mm.ts installXenSlots).
  heap.xenL2Slots.set(XEN_AREA_L2_SLOT, l1Mfn * PAGE_SIZE + pte);
  return { gdtMfns, idtMfn, tssMfn, stackMfn, l1Mfn };
}

/** The L2 entry through which every guest sees Xen's area. */
export function xenAreaL2Entry(area: XenArea): number {
  return area.l1Mfn * PAGE_SIZE + (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY);
}

/** Reads a descriptor of Xen's GDT straight from machine memory. */
function readDescriptor(mem: PhysMemory, area: XenArea, selector: number): [number, number] {
  const byte = selector & ~7;
  const ma = area.gdtMfns[byte >>> 12]! * PAGE_SIZE + (byte & 0xfff);
  return [mem.read32(ma), mem.read32(ma + 4)];
}

/** Loads a segment register and its cache the way a successful MOV/IRET would. */
export function loadFlatSegment(cpu: Cpu, area: XenArea, seg: number, selector: number): void {
  const [low, high] = readDescriptor(cpu.mem, area, selector);
  const base = ((low >>> 16) | ((high & 0xff) << 16) | (high & 0xff000000)) >>> 0;
  let limit = (low & 0xffff) | (high & 0xf0000);
  if ((high & 0x800000) !== 0) limit = ((limit << 12) | 0xfff) >>> 0;
  cpu.segSelector[seg] = selector;
  cpu.segBase[seg] = base | 0;
  cpu.segLimit[seg] = limit;
  cpu.segAccess[seg] = (high >>> 8) & 0xffff;
}

/** Points a vCPU's descriptor-table registers at Xen's tables and loads TR; LDTR stays null. */
export function loadXenTables(cpu: Cpu, area: XenArea): void {
  cpu.gdtBase = GDT_VIRT_START;
  cpu.gdtLimit = GDT_PAGES * PAGE_SIZE - 1;
  cpu.idtBase = IDT_VIRT_START;
  cpu.idtLimit = 256 * 8 - 1;
  loadFlatSegment(cpu, area, TR, TSS_SELECTOR);
  cpu.segSelector[LDTR] = 0;
  cpu.segBase[LDTR] = 0;
  cpu.segLimit[LDTR] = 0;
  cpu.segAccess[LDTR] = 0;
}

/** Loads the guest kernel's flat selectors: CS = FLAT_KERNEL_CS, the rest FLAT_KERNEL_DS. */
export function loadKernelSegments(cpu: Cpu, area: XenArea): void {
  loadFlatSegment(cpu, area, CS, FLAT_RING1_CS);
  for (const seg of [DS, ES, FS, GS, SS]) loadFlatSegment(cpu, area, seg, FLAT_RING1_DS);
}
