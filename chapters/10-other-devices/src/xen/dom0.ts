// Your working copy for chapter 10, generated from solutions/xen/dom0.ts by npx xenlab stage.
// Domain 0's way into Xen: the vCPU its hypercalls run on and the hypercall itself: book §2.3,
// §2.7; Xen xen/arch/x86/pv/dom0_build.c (dom0_construct_pv), Linux drivers/xen/privcmd.c.
//
// Domain 0's kernel is TypeScript (solutions/dom0): it runs no instructions, but a hypercall
// needs what a vCPU gives Xen — registers for the number and the arguments, and page tables
// through which Xen reads and writes the caller's buffers. So Xen builds domain 0 a small
// address space and one vCPU that never runs: DOM0_BUFFER_PAGES pages of hypercall buffers at
// DOM0_BUFFER_VA, mapped writable by an L1 under the L2 of L3 slot 0, and the slot-3 L2 every
// PAE L3 needs for Xen's own mappings. A hypercall from domain 0 enters Xen as a guest's
// `int $0x82` does: the same dispatcher, with its checks, privilege tests and trace.

import {
  Cpu,
  CR0_ET,
  CR0_MP,
  CR0_NE,
  CR0_PE,
  CR0_PG,
  CR0_WP,
  CR4_PAE,
  EAX,
  EBP,
  EBX,
  ECX,
  EDI,
  EDX,
  ESI,
  HostMode,
  PAGE_SIZE,
  resetCpu,
} from '../../../../sim/host.ts';
import { _PAGE_PRESENT, _PAGE_RW, HYPERCALL_VECTOR, L2_PROT, L3_PROT } from './abi.ts';
import type { Domain, Vcpu } from './domain.ts';
import type { Heap } from './heap.ts';
import { getPageAndType, PGT_l3_page_table } from './mm.ts';
import { handleHostTrap } from './traps.ts';
import { loadKernelSegments, loadXenTables } from './x86-desc.ts';
import type { Xen } from './xen.ts';

/** Where domain 0's hypercall buffers are, and how many pages they span. */
export const DOM0_BUFFER_VA = 0x00400000;
export const DOM0_BUFFER_PAGES = 4;

/** Writes a PAE entry (the high word is 0: every frame here is below 4 GiB). */
function setEntry(heap: Heap, table: number, slot: number, lo: number): void {
  heap.mem.write32(table * PAGE_SIZE + slot * 8, lo);
  heap.mem.write32(table * PAGE_SIZE + slot * 8 + 4, 0);
}

/**
 * dom0_construct_pv, reduced to what a hypercall needs: domain 0's frames (L3, two L2s, an L1,
 * the buffers), its tables, and vCPU 0 on them, offline (the scheduler never runs it).
 */
export function constructDom0(xen: Xen, dom0: Domain): Vcpu {
  const heap = xen.heap;
  const frames = heap.alloc(4 + DOM0_BUFFER_PAGES, dom0.domid);
  if (frames === null) throw new Error('constructDom0: out of memory');
  const [l3, l2, l2Xen, l1] = frames as [number, number, number, number];
  const buffers = frames.slice(4);
  setEntry(heap, l3, DOM0_BUFFER_VA >>> 30, l2 * PAGE_SIZE + L3_PROT);
  setEntry(heap, l3, 3, l2Xen * PAGE_SIZE + L3_PROT);
  setEntry(heap, l2, (DOM0_BUFFER_VA >>> 21) & 511, l1 * PAGE_SIZE + L2_PROT);
  buffers.forEach((mfn, i) => {
    setEntry(
      heap,
      l1,
      ((DOM0_BUFFER_VA >>> 12) & 511) + i,
      mfn * PAGE_SIZE + (_PAGE_PRESENT | _PAGE_RW),
    );
  });
  dom0.p2m = frames;
  const cpu = new Cpu(xen.mem);
  resetCpu(cpu);
  cpu.hostMode = HostMode.Pv;
  cpu.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
  cpu.cr4 = CR4_PAE;
  cpu.cr3 = l3 * PAGE_SIZE;
  loadXenTables(cpu, xen.area);
  loadKernelSegments(cpu, xen.area);
  cpu.cpl = 1;
  // Like any guest's, domain 0's tables are validated, and its CR3 holds an L3 reference.
  if (getPageAndType(heap, l3, dom0.domid, PGT_l3_page_table) !== 0) {
    throw new Error("constructDom0: domain 0's tables do not validate");
  }
  // Its ports' pending and mask bits, and its vCPU's upcall flags, live in a shared_info page
  // like any domain's; its vCPU takes upcalls in TypeScript (callback.ts).
  const sharedInfo = heap.alloc(1, dom0.domid);
  if (sharedInfo === null) throw new Error('constructDom0: out of memory');
  dom0.sharedInfoMfn = sharedInfo[0]!;
  dom0.xenFrames.push(dom0.sharedInfoMfn);
  const vcpu: Vcpu = { id: 0, domain: dom0, cpu, online: false, blocked: false, yielded: false };
  dom0.vcpus.push(vcpu);
  return vcpu;
}

const ARG_REGS = [EBX, ECX, EDX, ESI, EDI, EBP] as const;

/**
 * Hypercall `nr` from vCPU `v` with up to six arguments, entering Xen as its `int $0x82`
 * would; returns EAX, signed. A Xen failure throws, as a panic would stop the machine.
 */
export function hypercallFrom(xen: Xen, v: Vcpu, nr: number, args: readonly number[]): number {
  const cpu = v.cpu;
  cpu.reg32[EAX] = nr;
  ARG_REGS.forEach((reg, i) => {
    cpu.reg32[reg] = args[i] ?? 0;
  });
  cpu.exitSoftware = true;
  cpu.exitVector = HYPERCALL_VECTOR;
  cpu.exitHasErrorCode = false;
  handleHostTrap(xen, v);
  return cpu.reg32[EAX]! | 0;
}

/** Hypercall `nr` from domain 0; buffer pointers are addresses in DOM0_BUFFER_VA's pages. */
export function dom0Hypercall(xen: Xen, nr: number, args: readonly number[]): number {
  return hypercallFrom(xen, xen.dom0Vcpu, nr, args);
}
