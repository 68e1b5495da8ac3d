// The shared info page: where each vCPU's vcpu_info and the domain's wall clock live in
// machine memory, and how a guest maps the page: book §3.2; Xen public/xen.h (struct
// shared_info, struct vcpu_info), arch-x86/xen-x86_32.h, docs/xen-abi.md §3.
// xenlab: file from 03
//
//   shared_info (one page, allocated by Xen, start_info.shared_info = its machine address)
//     0     vcpu_info[0..31], 64 bytes each:  +0 upcall_pending  +1 upcall_mask
//                                             +4 pending_sel  +8 arch.cr2  +32 vcpu_time_info
//     2048  evtchn_pending[32]    2176  evtchn_mask[32]          (event channels, chapter 07)
//     2304  wc_version  2308 wc_sec  2312 wc_nsec                (the wall clock, §3.3)
//     2316  arch: max_pfn, pfn_to_mfn_frame_list_list, nmi_reason (the guest's, chapter 05)

import { flushTlb, invalidatePage, PAGE_SIZE } from '../../sim/host.ts';
import {
  __HYPERVISOR_update_va_mapping,
  _PAGE_PRESENT,
  HYPERVISOR_VIRT_START,
  SHARED_INFO,
  VCPU_INFO_SIZE,
  VCPU_INFO_time,
} from './abi.ts';
import type { Domain } from './domain.ts';
import { EINVAL } from './errno.ts';
import type { HypercallContext } from './hypercall.ts';
import type { Mechanism } from './mechanism.ts';
// xenlab: region update-va-mapping-shared-info-page-import from 03 until 05
import { l1eAddress, pteMfn } from './page.ts';
// xenlab: end update-va-mapping-shared-info-page-import

// xenlab: region shared-info-addresses from 03
/** Machine address of `d`'s shared_info page. */
export function sharedInfoMa(d: Domain): number {
  return d.sharedInfoMfn * PAGE_SIZE;
}

/** Machine address of vCPU `vcpuId`'s vcpu_info: its slot in shared_info, unless it moved. */
export function vcpuInfoMa(d: Domain, vcpuId: number): number {
  const moved = d.vcpus[vcpuId]?.vcpuInfoMa;
  return moved ?? sharedInfoMa(d) + SHARED_INFO.vcpu_info + vcpuId * VCPU_INFO_SIZE;
}

/** Machine address of vCPU `vcpuId`'s vcpu_time_info. */
export function vcpuTimeInfoMa(d: Domain, vcpuId: number): number {
  return vcpuInfoMa(d, vcpuId) + VCPU_INFO_time;
}
// xenlab: end shared-info-addresses

// xenlab: region update-va-mapping-shared-info from 03 until 05
// Until chapter 05 teaches page types and reference counts, update_va_mapping does the one
// thing a chapter-03 guest needs, as Mini-OS's arch_init does: point the PTE of a page of its
// own at the shared_info frame. Every other mapping is refused with -EINVAL; chapter 05's
// validated update_va_mapping replaces this one. The flush flags are Xen's (docs/xen-abi.md §5.5).
const UVMF_TLB_FLUSH = 1;
const UVMF_INVLPG = 2;
const UVMF_FLUSHTYPE_MASK = 3;
/** PTE bits a guest may not set in an L1 entry: PWT, PCD, PAT (docs/xen-abi.md §5.2 rule 6). */
const L1_DISALLOWED_LOW = 0x098;
/** Bits 44–62 of a PAE entry, in its high word: reserved. */
const L1_DISALLOWED_HIGH = 0x7ffff000;

/** update_va_mapping(va, val_lo, val_hi, flags), restricted to mapping shared_info. */
export function doUpdateVaMappingSharedInfo(ctx: HypercallContext, args: Uint32Array): number {
  const [va = 0, lo = 0, hi = 0, flags = 0] = args;
  const frame = pteMfn(lo, hi);
  if (va >= HYPERVISOR_VIRT_START) return -EINVAL;
  if ((lo & _PAGE_PRESENT) === 0 || frame !== ctx.domain.sharedInfoMfn) return -EINVAL;
  if ((lo & L1_DISALLOWED_LOW) !== 0 || (hi & L1_DISALLOWED_HIGH) !== 0) return -EINVAL;
  const flush = flags & UVMF_FLUSHTYPE_MASK;
  if (flush === UVMF_FLUSHTYPE_MASK) return -EINVAL;
  const { cpu } = ctx.vcpu;
  const pte = l1eAddress(cpu.mem, cpu.cr3, va);
  // The L1 must be one of the domain's own frames.
  if (pte < 0 || !ctx.domain.p2m.includes(Math.floor(pte / PAGE_SIZE))) return -EINVAL;
  cpu.mem.write32(pte + 4, hi);
  cpu.mem.write32(pte, lo);
  if (flush === UVMF_TLB_FLUSH) flushTlb(cpu, false);
  if (flush === UVMF_INVLPG) invalidatePage(cpu, va);
  return 0;
}

/** A stand-in: chapter 05's MMU_UPDATE_MECHANISM brings the real update_va_mapping. */
export const SHARED_INFO_MAPPING_MECHANISM: Mechanism = {
  name: 'update_va_mapping of shared_info',
  standIn: true,
  hypercalls: { [__HYPERVISOR_update_va_mapping]: doUpdateVaMappingSharedInfo },
};
// xenlab: end update-va-mapping-shared-info
