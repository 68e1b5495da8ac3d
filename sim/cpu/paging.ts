// Paging and the TLB: Intel SDM vol. 3A ch. 4 (32-bit paging §4.3, PAE paging §4.4, access
// rights §4.6, #PF error code §4.7, TLBs §4.10). Xen's counterpart is the hardware itself:
// PV guests run on these very page tables, which is why the walk is exact.
//
// Linear address, 32-bit paging:        PAE paging:
//   31      22 21      12 11      0       31 30 29    21 20     12 11      0
//   [ PDE idx ][ PTE idx ][ offset ]      [PDPT][PDE idx][PTE idx ][ offset ]
//
// MAXPHYADDR is 36. Physical addresses at or above 4 GiB are unbacked (reads all ones); the
// machine's RAM is below. PAE PDPTEs are read at walk time rather than cached at CR3 load (as
// QEMU does): a reserved bit in a PDPTE is reported as a #PF with RSVD, not as a #GP on MOV CR3.

import { PageKind } from '../memory/memory.ts';
import {
  type Cpu,
  CR0_PG,
  CR0_WP,
  CR4_PAE,
  CR4_PGE,
  CR4_PSE,
  EFER_NXE,
  TLB_ENTRIES,
  VEC_PF,
} from './cpu.ts';
import { raiseFault } from './fault.ts';

/** Access kinds passed to translate(): OR of these. Read data is 0. */
export const ACCESS_WRITE = 1;
export const ACCESS_EXEC = 2;
export const ACCESS_USER = 4;

/**
 * TLB info bits. The six access bits say "this access may go straight to RAM at tlbPhys with no
 * further checks": permission granted, the frame is RAM (ROM for reads), and for writes the
 * dirty bit is already set. The user bits are the supervisor bits shifted by TLB_USER_SHIFT.
 */
export const TLB_READ = 1;
export const TLB_WRITE = 2;
export const TLB_EXEC = 4;
export const TLB_USER_SHIFT = 3;
export const TLB_GLOBAL = 1 << 6;
/** The entry came from a 4 MiB / 2 MiB page (INVLPG must drop every piece of it). */
export const TLB_LARGE = 1 << 7;
export const TLB_MASK = TLB_ENTRIES - 1;
const TLB_WRITE_ANY = TLB_WRITE | (TLB_WRITE << TLB_USER_SHIFT);
const TLB_DATA_ANY = TLB_WRITE_ANY | TLB_READ | (TLB_READ << TLB_USER_SHIFT);

/** #PF error code bits (SDM §4.7). */
export const PF_P = 1;
export const PF_W = 2;
export const PF_U = 4;
export const PF_RSVD = 8;
export const PF_ID = 16;

const PTE_P = 1;
const PTE_RW = 2;
const PTE_US = 4;
const PTE_A = 0x20;
const PTE_D = 0x40;
const PTE_PS = 0x80;
const PTE_G = 0x100;
/** Bit 63 of a PAE entry, in the high word. */
const PTE_HI_NX = 0x80000000;
/** PAE high-word reserved bits above MAXPHYADDR=36 (bit 63 added when NXE is off). */
const PAE_HI_RSVD = 0x7ffffff0;
/** PAE PDPTE low-word reserved bits: 2:1 and 8:5. */
const PDPTE_LO_RSVD = 0x1e6;
/** PAE 2 MiB PDE: bits 20:13 reserved. 32-bit 4 MiB PDE (PSE-36): bits 21:17 reserved. */
const PAE_LARGE_RSVD = 0x1fe000;
const PSE_LARGE_RSVD = 0x3e0000;
const TWO_32 = 0x1_0000_0000;

// Results of the last walk, read by translate(); the walk never allocates.
let walkInfo = 0;

/**
 * Translates `linear` for `access` (ACCESS_* bits), raising #PF (CR2 = linear) when the access
 * is not allowed. Updates A/D bits and fills the TLB. Returns the physical address (< 2^36).
 */
export function translate(cpu: Cpu, linear: number, access: number): number {
  const phys = walk(cpu, linear, access, true);
  const vpn = linear >>> 12;
  const i = vpn & TLB_MASK;
  cpu.tlbTag[i] = vpn;
  const base = phys - (phys % 0x1000);
  cpu.tlbPhys[i] = base;
  // Writes to a frame holding decoded instructions go through PhysMemory (cpu.ts); with a
  // store buffer, every data access goes through it (store-buffer.ts).
  let info = walkInfo;
  if (cpu.storeBuffer !== null) info &= ~TLB_DATA_ANY;
  else if (cpu.mem.code[base / 0x1000] === 1) info &= ~TLB_WRITE_ANY;
  cpu.tlbInfo[i] = info;
  if ((walkInfo & TLB_LARGE) !== 0) cpu.tlbHasLarge = true;
  return phys;
}

/**
 * The host's view of a guest linear address: the physical address `linear` maps to for a
 * supervisor access with CR0.WP honoured as if set (the hypervisor must not write read-only
 * guest pages), or -1 when it is not mapped that way. Raises nothing and leaves CR2 and the
 * TLB alone. Like the hardware walk a real hypervisor's access would cause, it sets the
 * accessed bit, and the dirty bit for a write, so the guest sees pages the host wrote as dirty.
 */
export function translateForHost(cpu: Cpu, linear: number, write: boolean): number {
  return walk(cpu, linear, write ? ACCESS_WRITE : 0, false);
}

/** Drops every TLB entry, or every non-global one. Also drops the fetch page cache. */
export function flushTlb(cpu: Cpu, keepGlobal: boolean): void {
  const tag = cpu.tlbTag;
  const info = cpu.tlbInfo;
  let large = false;
  for (let i = 0; i < TLB_ENTRIES; i++) {
    if (!keepGlobal || (info[i]! & TLB_GLOBAL) === 0) tag[i] = -1;
    else if ((info[i]! & TLB_LARGE) !== 0) large = true;
  }
  cpu.tlbHasLarge = large;
  cpu.fetchLinear = 1;
}

/** INVLPG: drops the translation of `linear`, including every piece of a large page. */
export function invalidatePage(cpu: Cpu, linear: number): void {
  const vpn = linear >>> 12;
  cpu.fetchLinear = 1;
  if (!cpu.tlbHasLarge) {
    if (cpu.tlbTag[vpn & TLB_MASK] === vpn) cpu.tlbTag[vpn & TLB_MASK] = -1;
    return;
  }
  const largeVpn = vpn >>> 10; // a 4 MiB region covers any 2 MiB page too
  const tag = cpu.tlbTag;
  const info = cpu.tlbInfo;
  for (let i = 0; i < TLB_ENTRIES; i++) {
    const t = tag[i]!;
    if (t === vpn || ((info[i]! & TLB_LARGE) !== 0 && t >>> 10 === largeVpn)) tag[i] = -1;
  }
}

/** Reads a 32-bit paging-structure word; above the machine's memory it is all ones. */
function readEntry(cpu: Cpu, phys: number): number {
  return phys >= TWO_32 ? 0xffffffff : cpu.mem.read32(phys);
}

function writeEntry(cpu: Cpu, phys: number, value: number): void {
  if (phys < TWO_32) cpu.mem.write32(phys, value);
}

function pageFault(cpu: Cpu, linear: number, access: number, code: number, raise: boolean) {
  if (!raise) return -1;
  if ((access & ACCESS_WRITE) !== 0) code |= PF_W;
  if ((access & ACCESS_USER) !== 0) code |= PF_U;
  if ((access & ACCESS_EXEC) !== 0 && (cpu.cr4 & CR4_PAE) !== 0 && (cpu.efer & EFER_NXE) !== 0) {
    code |= PF_ID;
  }
  cpu.cr2 = linear >>> 0;
  return raiseFault(cpu, VEC_PF, code);
}

/**
 * The page walk. Returns the physical address and leaves the TLB info bits in walkInfo; on a
 * violation raises #PF (raise) or returns -1 (!raise, which also skips the A/D updates).
 */
function walk(cpu: Cpu, linear: number, access: number, raise: boolean): number {
  if ((cpu.cr0 & CR0_PG) === 0) {
    const phys = linear >>> 0;
    walkInfo = fastBits(cpu, phys, true, true, false, true);
    return phys;
  }
  return (cpu.cr4 & CR4_PAE) !== 0
    ? walkPae(cpu, linear, access, raise)
    : walk32(cpu, linear, access, raise);
}

function walk32(cpu: Cpu, linear: number, access: number, raise: boolean): number {
  const pdeAddr = (cpu.cr3 & 0xfffff000) + ((linear >>> 22) << 2);
  const pde = readEntry(cpu, pdeAddr);
  if ((pde & PTE_P) === 0) return pageFault(cpu, linear, access, 0, raise);
  if ((pde & PTE_PS) !== 0 && (cpu.cr4 & CR4_PSE) !== 0) {
    if ((pde & PSE_LARGE_RSVD) !== 0) return pageFault(cpu, linear, access, PF_P | PF_RSVD, raise);
    // PSE-36: PDE bits 16:13 are physical address bits 35:32.
    const base = (pde & 0xffc00000) + ((pde >>> 13) & 0xf) * TWO_32;
    const phys = base + (linear & 0x3fffff);
    return finish(cpu, linear, access, raise, pde, pdeAddr, pde, pdeAddr, false, phys, true);
  }
  const pteAddr = (pde & 0xfffff000) + (((linear >>> 12) & 0x3ff) << 2);
  const pte = readEntry(cpu, pteAddr);
  if ((pte & PTE_P) === 0) return pageFault(cpu, linear, access, 0, raise);
  const phys = (pte & 0xfffff000) + (linear & 0xfff);
  return finish(cpu, linear, access, raise, pde & pte, pdeAddr, pte, pteAddr, false, phys, false);
}

function walkPae(cpu: Cpu, linear: number, access: number, raise: boolean): number {
  const hiRsvd = (cpu.efer & EFER_NXE) !== 0 ? PAE_HI_RSVD : PAE_HI_RSVD | PTE_HI_NX;
  const pdpteAddr = (cpu.cr3 & 0xffffffe0) + ((linear >>> 30) << 3);
  const pdpteLo = readEntry(cpu, pdpteAddr);
  const pdpteHi = readEntry(cpu, pdpteAddr + 4);
  if ((pdpteLo & PTE_P) === 0) return pageFault(cpu, linear, access, 0, raise);
  if ((pdpteLo & PDPTE_LO_RSVD) !== 0 || (pdpteHi & (PAE_HI_RSVD | PTE_HI_NX)) !== 0) {
    return pageFault(cpu, linear, access, PF_P | PF_RSVD, raise);
  }
  const pdeAddr =
    (pdpteLo & 0xfffff000) + (pdpteHi & 0xf) * TWO_32 + (((linear >>> 21) & 0x1ff) << 3);
  const pdeLo = readEntry(cpu, pdeAddr);
  const pdeHi = readEntry(cpu, pdeAddr + 4);
  if ((pdeLo & PTE_P) === 0) return pageFault(cpu, linear, access, 0, raise);
  if ((pdeHi & hiRsvd) !== 0) return pageFault(cpu, linear, access, PF_P | PF_RSVD, raise);
  const pdeNx = (pdeHi & PTE_HI_NX) !== 0 && (cpu.efer & EFER_NXE) !== 0;
  if ((pdeLo & PTE_PS) !== 0) {
    if ((pdeLo & PAE_LARGE_RSVD) !== 0) {
      return pageFault(cpu, linear, access, PF_P | PF_RSVD, raise);
    }
    const phys = (pdeLo & 0xffe00000) + (pdeHi & 0xf) * TWO_32 + (linear & 0x1fffff);
    return finish(cpu, linear, access, raise, pdeLo, pdeAddr, pdeLo, pdeAddr, pdeNx, phys, true);
  }
  const pteAddr = (pdeLo & 0xfffff000) + (pdeHi & 0xf) * TWO_32 + (((linear >>> 12) & 0x1ff) << 3);
  const pteLo = readEntry(cpu, pteAddr);
  const pteHi = readEntry(cpu, pteAddr + 4);
  if ((pteLo & PTE_P) === 0) return pageFault(cpu, linear, access, 0, raise);
  if ((pteHi & hiRsvd) !== 0) return pageFault(cpu, linear, access, PF_P | PF_RSVD, raise);
  const nx = pdeNx || ((pteHi & PTE_HI_NX) !== 0 && (cpu.efer & EFER_NXE) !== 0);
  const phys = (pteLo & 0xfffff000) + (pteHi & 0xf) * TWO_32 + (linear & 0xfff);
  return finish(
    cpu,
    linear,
    access,
    raise,
    pdeLo & pteLo,
    pdeAddr,
    pteLo,
    pteAddr,
    nx,
    phys,
    false,
  );
}

/**
 * Access-rights check (SDM §4.6, no SMEP/SMAP) and A/D update for a present translation.
 * `rights` is the AND of every level's entry (U/S and R/W), `leaf` the entry mapping the page.
 * The upper level's A bit lives in `upper` at `upperAddr` (the same entry for large pages).
 */
function finish(
  cpu: Cpu,
  linear: number,
  access: number,
  raise: boolean,
  rights: number,
  upperAddr: number,
  leaf: number,
  leafAddr: number,
  nx: boolean,
  phys: number,
  large: boolean,
): number {
  const user = (rights & PTE_US) !== 0;
  const writable = (rights & PTE_RW) !== 0;
  const superWritable = writable || (cpu.cr0 & CR0_WP) === 0;
  const isWrite = (access & ACCESS_WRITE) !== 0;
  if (
    ((access & ACCESS_USER) !== 0 && !user) ||
    (isWrite && ((access & ACCESS_USER) !== 0 ? !writable : !superWritable)) ||
    ((access & ACCESS_EXEC) !== 0 && nx) ||
    (!raise && isWrite && !writable)
  ) {
    return pageFault(cpu, linear, access, PF_P, raise);
  }
  if (upperAddr !== leafAddr) {
    const upper = readEntry(cpu, upperAddr);
    if ((upper & PTE_A) === 0) writeEntry(cpu, upperAddr, upper | PTE_A);
  }
  const newLeaf = leaf | PTE_A | (isWrite ? PTE_D : 0);
  if (newLeaf !== leaf) writeEntry(cpu, leafAddr, newLeaf);
  const global = (leaf & PTE_G) !== 0 && (cpu.cr4 & CR4_PGE) !== 0;
  // Writes go fast only once D is set, so the first write to a clean page walks again.
  const dirty = (newLeaf & PTE_D) !== 0;
  walkInfo =
    fastBits(cpu, phys, superWritable && dirty, user, nx, writable && dirty) |
    (global ? TLB_GLOBAL : 0) |
    (large ? TLB_LARGE : 0);
  return phys;
}

/** The TLB_READ/WRITE/EXEC bits for a page whose rights are known. */
function fastBits(
  cpu: Cpu,
  phys: number,
  superWritable: boolean,
  user: boolean,
  nx: boolean,
  userWritable: boolean,
): number {
  if (phys >= TWO_32) return 0;
  const kind = cpu.mem.kindOf(phys >>> 12);
  if (kind !== PageKind.Ram && kind !== PageKind.Rom) return 0;
  const ram = kind === PageKind.Ram;
  const sup = TLB_READ | (nx ? 0 : TLB_EXEC) | (ram && superWritable ? TLB_WRITE : 0);
  if (!user) return sup;
  const usr = TLB_READ | (nx ? 0 : TLB_EXEC) | (ram && userWritable ? TLB_WRITE : 0);
  return sup | (usr << TLB_USER_SHIFT);
}
