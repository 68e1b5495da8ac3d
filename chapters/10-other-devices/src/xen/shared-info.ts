// Your working copy for chapter 10, generated from solutions/xen/shared-info.ts by npx xenlab stage.
// The shared info page: where each vCPU's vcpu_info and the domain's wall clock live in
// machine memory, and how a guest maps the page: book §3.2; Xen public/xen.h (struct
// shared_info, struct vcpu_info), arch-x86/xen-x86_32.h, docs/xen-abi.md §3.
//
//   shared_info (one page, allocated by Xen, start_info.shared_info = its machine address)
//     0     vcpu_info[0..31], 64 bytes each:  +0 upcall_pending  +1 upcall_mask
//                                             +4 pending_sel  +8 arch.cr2  +32 vcpu_time_info
//     2048  evtchn_pending[32]    2176  evtchn_mask[32]          (event channels, chapter 07)
//     2304  wc_version  2308 wc_sec  2312 wc_nsec                (the wall clock, §3.3)
//     2316  arch: max_pfn, pfn_to_mfn_frame_list_list, nmi_reason (the guest's, chapter 05)

import { flushTlb, invalidatePage, PAGE_SIZE } from '../../../../sim/host.ts';
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
