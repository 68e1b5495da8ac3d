// Your working copy for chapter 10, generated from solutions/xen/bounce.ts by npx xenlab stage.
// Delivering an exception to the guest kernel's own handler with a bounce frame: book §5.7.2,
// appendix A.3; Xen xen/arch/x86/x86_32/entry.S (create_bounce_frame), traps.c (do_trap,
// do_general_protection, propagate_page_fault), docs/xen-abi.md §4.1, §4.6.
//
// The frame Xen builds on the guest's kernel stack, from the new ESP upward:
//
//   [error code]                       for #DF, #TS, #NP, #SS, #GP, #PF, #AC
//   EIP                                where the guest was
//   CS | saved upcall mask << 16       the guest's "interrupts were disabled" flag rides along
//   EFLAGS with IF = !saved mask
//   [ESP, SS]                          only when ring 3 was interrupted: the user stack
//
// From ring 1 the frame goes on the current stack; from ring 3 on the stack stack_switch named.
// A page fault's address goes to vcpu_info.arch.cr2, since a ring-1 guest cannot read CR2.

import {
  CS,
  type Descriptor,
  descriptorBase,
  ESP,
  FLAG_IF,
  FLAG_NT,
  FLAG_RF,
  FLAG_TF,
  FLAG_VM,
  getEflags,
  loadSegmentCache,
  readDescriptor,
  SS,
  setEflags,
  translateForHost,
  VEC_GP,
  VEC_PF,
} from '../../../../sim/host.ts';
import { TI_MASK_EVENTS, VCPU_INFO_arch_cr2, VCPU_INFO_evtchn_upcall_mask } from './abi.ts';
import type { Vcpu } from './domain.ts';
import type { Mechanism } from './mechanism.ts';
import { vcpuInfoMa } from './shared-info.ts';
import { pvTraps, type TrapInfo } from './trap-table.ts';
import { crashReport, describeException } from './traps.ts';

/**
 * create_bounce_frame: pushes the frame above on the guest's kernel stack and enters the
 * handler `ti` in ring 1. Returns false, changing nothing, when the stack cannot be written.
 */
export function createBounceFrame(v: Vcpu, ti: TrapInfo, errorCode: number): boolean {
  const cpu = v.cpu;
  const mem = cpu.mem;
  const maskAddr = vcpuInfoMa(v.domain, v.id) + VCPU_INFO_evtchn_upcall_mask;
  const savedMask = mem.read8(maskAddr);
  const eflags = getEflags(cpu);
  const frame: number[] = [];
  if (errorCode >= 0) frame.push(errorCode);
  frame.push(cpu.eip, cpu.segSelector[CS]! | (savedMask << 16));
  frame.push((eflags & ~FLAG_IF) | (savedMask !== 0 ? 0 : FLAG_IF));
  let ssBase = cpu.segBase[SS]!;
  let ss: Descriptor | null = null;
  let esp = cpu.reg32[ESP]! >>> 0;
  const { kernelSs, kernelSp } = pvTraps(v);
  if (cpu.cpl !== 1) {
    frame.push(esp, cpu.segSelector[SS]!);
    ss = readDescriptor(cpu, kernelSs);
    if (ss === null) return false;
    ssBase = descriptorBase(ss);
    esp = kernelSp;
  }
  const cs = readDescriptor(cpu, ti.cs);
  if (cs === null) return false;
  // Resolve every slot first, so a bad stack leaves the vCPU untouched.
  const newEsp = (esp - frame.length * 4) >>> 0;
  const slots = frame.map((_, i) => translateForHost(cpu, (ssBase + newEsp + i * 4) >>> 0, true));
  if (slots.some((pa) => pa < 0)) return false;
  frame.forEach((value, i) => {
    mem.write32(slots[i]!, value >>> 0);
  });
  if (ss !== null) loadSegmentCache(cpu, SS, kernelSs, ss);
  loadSegmentCache(cpu, CS, ti.cs, cs);
  cpu.cpl = ti.cs & 3;
  cpu.reg32[ESP] = newEsp | 0;
  cpu.eip = ti.address;
  setEflags(cpu, eflags & ~(FLAG_TF | FLAG_VM | FLAG_RF | FLAG_NT), 0xffffffff);
  if ((ti.flags & TI_MASK_EVENTS) !== 0) mem.write8(maskAddr, 1);
  return true;
}

export enum Bounce {
  Delivered,
  /** The guest registered no handler for the vector: Xen crashes the domain. */
  NoHandler,
  /** The guest's kernel stack cannot take the frame: Xen crashes the domain. */
  BadStack,
}

/**
 * Hands the exception `v` exited with to the guest's handler. A #GP that an `INT n` raised
 * (error code n*8+2) becomes vector n when the guest's entry allows INT n from this ring.
 */
export function bounceException(v: Vcpu): Bounce {
  const cpu = v.cpu;
  let vector = cpu.exitVector;
  let errorCode = cpu.exitHasErrorCode ? cpu.exitErrorCode : -1;
  const table = pvTraps(v).table;
  if (!cpu.exitSoftware && vector === VEC_GP && (errorCode & 7) === 2) {
    const soft = table[errorCode >>> 3];
    if (soft !== undefined && (soft.flags & 3) >= cpu.cpl) {
      vector = errorCode >>> 3;
      errorCode = -1;
      cpu.eip = (cpu.eip + 2) >>> 0;
    }
  }
  const ti = table[vector];
  if (ti === undefined || ti.address === 0) return Bounce.NoHandler;
  if (vector === VEC_PF) cpu.mem.write32(vcpuInfoMa(v.domain, v.id) + VCPU_INFO_arch_cr2, cpu.cr2);
  return createBounceFrame(v, ti, errorCode) ? Bounce.Delivered : Bounce.BadStack;
}

/** An exception the guest has a handler for goes to it; one whose bounce fails crashes it. */
export const BOUNCE_MECHANISM: Mechanism = {
  name: 'exception bounces',
  guestException(xen, v) {
    const bounce = bounceException(v);
    if (bounce === Bounce.NoHandler) return false;
    if (bounce === Bounce.BadStack) {
      const why = `${describeException(v.cpu)}; the kernel stack cannot take the bounce frame`;
      xen.crashDomain(v.domain, crashReport(v, why));
    }
    return true;
  },
};
