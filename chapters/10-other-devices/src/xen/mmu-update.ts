// Your working copy for chapter 10, generated from solutions/xen/mmu-update.ts by npx xenlab stage.
// Changing page tables by hypercall: mmu_update and update_va_mapping: book §5.7; Xen
// xen/arch/x86/mm.c (do_mmu_update, do_update_va_mapping, get_pg_owner), public/xen.h,
// docs/xen-abi.md §5.3, §5.5.
//
// A PV guest's page tables are mapped read-only in its own address space, so every change goes
// through Xen, which checks the new entry exactly as validation would (mm.ts) and moves the
// references from the old target to the new one. mmu_update names entries by machine address
// and does not flush; update_va_mapping names the L1 entry by the virtual address it maps and
// flushes as its flags ask.

import { type Cpu, flushTlb, invalidatePage, PAGE_SIZE } from '../../../../sim/host.ts';
import {
  __HYPERVISOR_mmu_update,
  __HYPERVISOR_update_va_mapping,
  __HYPERVISOR_update_va_mapping_otherdomain,
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  DOMID_SELF,
  MMU_MACHPHYS_UPDATE,
  MMU_NORMAL_PT_UPDATE,
  MMU_PT_UPDATE_PRESERVE_AD,
  MMU_UPDATE_SIZE,
  UVMF_ALL,
  UVMF_FLUSHTYPE_MASK,
  UVMF_INVLPG,
  UVMF_LOCAL,
  UVMF_TLB_FLUSH,
} from './abi.ts';
import type { Domain } from './domain.ts';
import { EFAULT, EINVAL, ENOSYS, ESRCH } from './errno.ts';
import { copyFromGuest, readGuestU32, writeGuestU32 } from './guest-access.ts';
import type { Heap } from './heap.ts';
import type { HypercallContext } from './hypercall.ts';
import { afterPageTableChange } from './ldt.ts';
import type { Mechanism } from './mechanism.ts';
import {
  getPage,
  getPageType,
  isPageTableType,
  isValidatedL1,
  modPageTableEntry,
  PGT_writable_page,
  putPage,
  putPageType,
  setM2p,
} from './mm.ts';
import { l1eAddress } from './page.ts';

/**
 * get_pg_owner: the domain whose frames L1 entries of this batch may map (the FD). A domain
 * names itself as DOMID_SELF; naming another needs privilege over it. Every refusal is -ESRCH.
 */
export function pgOwner(ctx: HypercallContext, domid: number): Domain | number {
  if (domid === DOMID_SELF) return ctx.domain;
  if (domid === ctx.domain.domid || !ctx.domain.privileged) return -ESRCH;
  return ctx.xen.findDomain(domid) ?? -ESRCH;
}

/** The domain whose page tables the batch changes (PFD, foreigndom bits 16–31, plus one). */
function ptOwner(ctx: HypercallContext, foreigndom: number): Domain | number {
  const pfd = foreigndom >>> 16;
  if (pfd === 0) return ctx.domain;
  const d = ctx.xen.findDomain(pfd - 1);
  if (d === undefined) return -EINVAL;
  return ctx.domain.privileged ? d : -ESRCH;
}

/** The CPUs of a domain's vCPUs, for flushes. */
export function domainCpus(d: Domain): Cpu[] {
  return d.vcpus.map((v) => v.cpu);
}

/**
 * One MMU_NORMAL_PT_UPDATE: the entry at machine address `ma` in a frame `pt` owns. In a
 * validated table it is checked (mm.ts); in any other frame it is a plain write to a page
 * that must be able to take the writable type (so never a descriptor page).
 */
function normalPtUpdate(
  heap: Heap,
  ma: number,
  lo: number,
  hi: number,
  preserveAd: boolean,
  pt: Domain,
  pg: Domain,
): number {
  const mfn = Math.floor(ma / PAGE_SIZE);
  if (!getPage(heap, mfn, pt.domid)) return -EINVAL;
  let rc: number;
  if (isPageTableType(heap.type[mfn]!) && heap.typeCount[mfn]! > 0) {
    if (preserveAd) lo |= heap.mem.read32(ma) & (_PAGE_ACCESSED | _PAGE_DIRTY);
    rc = modPageTableEntry(heap, ma, lo >>> 0, hi, pg.domid);
  } else {
    rc = getPageType(heap, mfn, PGT_writable_page);
    if (rc === 0) {
      heap.mem.write32(ma, lo);
      heap.mem.write32(ma + 4, hi);
      putPageType(heap, mfn);
    }
  }
  putPage(heap, mfn);
  return rc;
}

/** mmu_update(reqs, count, done, foreigndom). */
export function doMmuUpdate(ctx: HypercallContext, args: Uint32Array): number {
  const [reqs, count, donePtr, foreigndom] = [args[0]!, args[1]!, args[2]!, args[3]!];
  const pt = ptOwner(ctx, foreigndom);
  if (typeof pt === 'number') return pt;
  const pg = pgOwner(ctx, foreigndom & 0xffff);
  if (typeof pg === 'number') return pg;
  const heap = ctx.xen.heap;
  const cpu = ctx.vcpu.cpu;
  let rc = 0;
  let done = 0;
  for (; done < count; done++) {
    const req = copyFromGuest(cpu, reqs + done * MMU_UPDATE_SIZE, MMU_UPDATE_SIZE);
    if (typeof req === 'number') {
      rc = -EFAULT;
      break;
    }
    const view = new DataView(req.buffer);
    const ptrLo = view.getUint32(0, true);
    const ptrHi = view.getUint32(4, true);
    const valLo = view.getUint32(8, true);
    const valHi = view.getUint32(12, true);
    const ma = ptrHi === 0 ? (ptrLo & ~7) >>> 0 : Number.MAX_SAFE_INTEGER;
    switch (ptrLo & 3) {
      case MMU_NORMAL_PT_UPDATE:
      case MMU_PT_UPDATE_PRESERVE_AD:
        rc = normalPtUpdate(
          heap,
          ma,
          valLo,
          valHi,
          (ptrLo & 3) === MMU_PT_UPDATE_PRESERVE_AD,
          pt,
          pg,
        );
        break;
      case MMU_MACHPHYS_UPDATE: {
        // M2P[mfn] = pfn, for a frame of the FD.
        const mfn = Math.floor(ma / PAGE_SIZE);
        if (!getPage(heap, mfn, pg.domid)) {
          rc = -EINVAL;
          break;
        }
        setM2p(heap, mfn, valLo);
        putPage(heap, mfn);
        break;
      }
      default:
        rc = -ENOSYS;
    }
    if (rc !== 0) break;
  }
  afterPageTableChange(heap, pt);
  if (donePtr !== 0 && writeGuestU32(cpu, donePtr, done) !== 0) return -EFAULT;
  return rc;
}

/**
 * Flushes after update_va_mapping: `flags` & 3 says what (nothing, the whole TLB, one page),
 * the rest whom (UVMF_LOCAL, UVMF_ALL, or the address of a vCPU bitmap — UVMF_MULTI).
 */
export function flushByFlags(ctx: HypercallContext, va: number, flags: number): number {
  const type = flags & UVMF_FLUSHTYPE_MASK;
  if (type !== UVMF_TLB_FLUSH && type !== UVMF_INVLPG) return 0;
  const targets = vcpuTargets(ctx, flags & ~UVMF_FLUSHTYPE_MASK);
  if (typeof targets === 'number') return targets;
  for (const cpu of targets) {
    if (type === UVMF_TLB_FLUSH) flushTlb(cpu, false);
    else invalidatePage(cpu, va);
  }
  return 0;
}

/** The vCPUs a flush concerns: this one, all, or those set in a guest bitmap at `mask`. */
export function vcpuTargets(ctx: HypercallContext, mask: number): Cpu[] | number {
  if (mask === UVMF_LOCAL) return [ctx.vcpu.cpu];
  if (mask === UVMF_ALL) return domainCpus(ctx.domain);
  return vcpusInMask(ctx, mask);
}

/** The vCPUs whose bits are set in the guest's vCPU bitmap at `ptr` (one word: vCPUs 0–31). */
export function vcpusInMask(ctx: HypercallContext, ptr: number): Cpu[] | number {
  const bits = readGuestU32(ctx.vcpu.cpu, ptr);
  if (bits === null) return -EFAULT;
  return ctx.domain.vcpus.filter((v) => v.id < 32 && (bits & (1 << v.id)) !== 0).map((v) => v.cpu);
}

/** Replaces the L1 entry that maps `va` in the running tables, checked, for `pg`'s frames. */
function updateVaMapping(
  ctx: HypercallContext,
  va: number,
  lo: number,
  hi: number,
  pg: Domain,
): number {
  const heap = ctx.xen.heap;
  // No L1 entry for an address in Xen's hole, nor without an L1 on the way (-1).
  const ma = l1eAddress(heap.mem, ctx.vcpu.cpu.cr3, va);
  if (ma < 0 || !isValidatedL1(heap, Math.floor(ma / PAGE_SIZE))) return -EINVAL;
  return modPageTableEntry(heap, ma, lo, hi, pg.domid);
}

/** update_va_mapping(va, val_lo, val_hi, flags). */
export function doUpdateVaMapping(ctx: HypercallContext, args: Uint32Array): number {
  const [va, lo, hi, flags] = [args[0]!, args[1]!, args[2]!, args[3]!];
  const rc = updateVaMapping(ctx, va, lo, hi, ctx.domain);
  afterPageTableChange(ctx.xen.heap, ctx.domain);
  const flushed = flushByFlags(ctx, va, flags);
  return rc !== 0 ? rc : flushed;
}

/** update_va_mapping_otherdomain(va, val_lo, val_hi, flags, domid): frames of another FD. */
export function doUpdateVaMappingOtherdomain(ctx: HypercallContext, args: Uint32Array): number {
  const [va, lo, hi, flags, domid] = [args[0]!, args[1]!, args[2]!, args[3]!, args[4]!];
  const pg = pgOwner(ctx, domid & 0xffff);
  if (typeof pg === 'number') return pg;
  const rc = updateVaMapping(ctx, va, lo, hi, pg);
  afterPageTableChange(ctx.xen.heap, ctx.domain);
  const flushed = flushByFlags(ctx, va, flags);
  return rc !== 0 ? rc : flushed;
}

export const MMU_UPDATE_MECHANISM: Mechanism = {
  name: 'page-table updates',
  hypercalls: {
    [__HYPERVISOR_mmu_update]: doMmuUpdate,
    [__HYPERVISOR_update_va_mapping]: doUpdateVaMapping,
    [__HYPERVISOR_update_va_mapping_otherdomain]: doUpdateVaMappingOtherdomain,
  },
};
