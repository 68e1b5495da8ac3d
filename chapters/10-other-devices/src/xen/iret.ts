// Your working copy for chapter 10, generated from solutions/xen/iret.ts by npx xenlab stage.
// Returning from an exception or event handler with HYPERVISOR_iret: book §5.7.2, appendix A.3;
// Xen xen/arch/x86/x86_32/traps.c (do_iret), pv/iret.c (compat_iret), docs/xen-abi.md §4.4.
//
// A native `iret` in ring 1 cannot restore IF (CPL > IOPL), so it cannot re-enable events and
// return in one step. The iret hypercall does: the guest jumps to the hypercall page's iret
// stub with an interrupt-return frame on its stack, the stub pushes EAX, and Xen pops
//
//   EAX, EIP, CS, EFLAGS          and for a return to ring 2 or 3:  ESP, SS
//
// restores them with IOPL cleared and the real IF on, and sets the vCPU's upcall mask to the
// inverse of the popped IF. It never returns to the caller: EAX ends up as popped. A frame that
// cannot be read, or returns to ring 0, is fatal to the domain. A return to virtual-8086 mode
// (EFLAGS.VM), which a PV guest cannot have, becomes a #GP in the guest's kernel; a CS or SS
// the hardware would refuse crashes the domain here, and from chapter 07 on enters the guest's
// failsafe callback instead (failsafe.ts).

import {
  CS,
  type Descriptor,
  EAX,
  ESP,
  FLAG_IF,
  FLAG_IOPL,
  FLAG_NT,
  FLAG_RF,
  FLAG_TF,
  FLAG_VM,
  loadSegmentCache,
  readDescriptor,
  SS,
  setEflags,
  VEC_GP,
} from '../../../../sim/host.ts';
import { __HYPERVISOR_iret, TI_MASK_EVENTS, VCPU_INFO_evtchn_upcall_mask } from './abi.ts';
import { accessOk, copyFromGuest, copyToGuest } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';
import type { Mechanism } from './mechanism.ts';
import { vcpuInfoMa } from './shared-info.ts';
import { pvTraps } from './trap-table.ts';
import { crashReport } from './traps.ts';

/** Descriptor bits (SDM vol. 3A §3.4.5) in the high dword. */
const DESC_S = 1 << 12;
const DESC_CODE = 1 << 11;
const DESC_CONFORMING = 1 << 10;
const DESC_WRITABLE = 1 << 9;
const DESC_P = 1 << 15;

const dpl = (d: Descriptor) => (d.hi >>> 13) & 3;

/** A present, non-conforming code segment of the selector's own ring. */
function isCodeFor(d: Descriptor | null, selector: number): d is Descriptor {
  if (d === null || (d.hi & (DESC_S | DESC_CODE | DESC_P)) !== (DESC_S | DESC_CODE | DESC_P)) {
    return false;
  }
  return (d.hi & DESC_CONFORMING) !== 0 || dpl(d) === (selector & 3);
}

/** A present writable data segment of the selector's own ring: a stack. */
function isStackFor(d: Descriptor | null, selector: number): d is Descriptor {
  const bits = DESC_S | DESC_CODE | DESC_WRITABLE | DESC_P;
  return (
    d !== null && (d.hi & bits) === (DESC_S | DESC_WRITABLE | DESC_P) && dpl(d) === (selector & 3)
  );
}

/** Where an iret returns to: the registers it loads. */
export interface GuestReturn {
  eip: number;
  cs: number;
  eflags: number;
  esp: number;
  ss: number;
}

/**
 * What becomes of a return the hardware would refuse (a CS or SS that does not load): Xen's
 * exit to the guest faults. `why` says which selector. Chapter 05 crashes the domain; from
 * chapter 07 the vCPU enters its failsafe callback (failsafe.ts).
 */
export type RefusedReturn = (ctx: HypercallContext, to: GuestReturn, why: string) => void;

/**
 * do_iret: pops the frame above from the guest's stack and returns into it. Returns the popped
 * EAX (the dispatcher writes it back to EAX), or crashes the domain on a frame it cannot read
 * or a return to ring 0.
 */
export function iretReturn(ctx: HypercallContext, refused: RefusedReturn): number {
  const v = ctx.vcpu;
  const cpu = v.cpu;
  const fatal = (why: string) => {
    ctx.xen.crashDomain(ctx.domain, crashReport(v, `iret: ${why}`));
    return cpu.reg32[EAX]!;
  };
  const esp = cpu.reg32[ESP]! >>> 0;
  // The largest frame is 9 words after EAX; it must lie below Xen's hole.
  if (!accessOk(esp, 40)) return fatal(`frame at ${esp.toString(16)} reaches into Xen`);
  const frame = copyFromGuest(cpu, esp, 16);
  if (typeof frame === 'number') return fatal('cannot read the frame');
  const words = new Uint32Array(frame.buffer);
  const [eax, eip, csWord, eflags] = [words[0]!, words[1]!, words[2]!, words[3]!];
  const cs = csWord & 0xffff;
  if ((eflags & FLAG_VM) !== 0)
    return vm86Refused(ctx, eflags) ? eax | 0 : fatal('VM86 return without a #GP handler');
  if ((cs & 3) === 0) return fatal(`return to ring 0 (CS ${cs.toString(16)})`);
  const to = { eip, cs, eflags: ((eflags & ~FLAG_IOPL) | FLAG_IF) >>> 0, esp: esp + 16, ss: 0 };
  to.ss = cpu.segSelector[SS]!;
  if ((cs & 3) !== 1) {
    const outer = copyFromGuest(cpu, (esp + 16) >>> 0, 8);
    if (typeof outer === 'number') return fatal('cannot read the outer stack');
    const outerWords = new Uint32Array(outer.buffer);
    to.esp = outerWords[0]!;
    to.ss = outerWords[1]! & 0xffff;
  }
  to.esp >>>= 0;
  // The upcall mask is the inverse of the popped IF, also when the return then fails.
  cpu.mem.write8(
    vcpuInfoMa(v.domain, v.id) + VCPU_INFO_evtchn_upcall_mask,
    (eflags & FLAG_IF) === 0 ? 1 : 0,
  );
  const csDesc = readDescriptor(cpu, cs);
  if (!isCodeFor(csDesc, cs)) {
    refused(ctx, to, `CS ${cs.toString(16)} is not a code segment`);
    return eax | 0;
  }
  const ssDesc = (cs & 3) === 1 ? null : readDescriptor(cpu, to.ss);
  if ((cs & 3) !== 1) {
    if ((to.ss & 3) !== (cs & 3) || !isStackFor(ssDesc, to.ss)) {
      refused(ctx, to, `SS ${to.ss.toString(16)} is not a stack for ring ${cs & 3}`);
      return eax | 0;
    }
    loadSegmentCache(cpu, SS, to.ss, ssDesc);
  }
  loadSegmentCache(cpu, CS, cs, csDesc);
  cpu.cpl = cs & 3;
  cpu.eip = eip;
  cpu.reg32[ESP] = to.esp | 0;
  setEflags(cpu, to.eflags, 0xffffffff);
  return eax | 0;
}

/**
 * compat_iret's answer to a return to virtual-8086 mode, which a 32-bit PV guest cannot have:
 * the frame's nine words after EAX are copied to the top of the kernel stack (kernel_sp − 40)
 * under an error code of 0, and the vCPU enters its #GP handler as if the first VM86
 * instruction had faulted. False when it has no #GP handler or the copy faults.
 */
function vm86Refused(ctx: HypercallContext, eflags: number): boolean {
  const v = ctx.vcpu;
  const cpu = v.cpu;
  const { kernelSs, kernelSp, table } = pvTraps(v);
  const gp = table[VEC_GP];
  const ksp = (kernelSp - 40) >>> 0;
  const words = copyFromGuest(cpu, ((cpu.reg32[ESP]! >>> 0) + 4) >>> 0, 36);
  const csDesc = gp === undefined ? null : readDescriptor(cpu, gp.cs);
  const ssDesc = readDescriptor(cpu, kernelSs);
  if (gp === undefined || gp.address === 0 || csDesc === null || ssDesc === null) return false;
  if (typeof words === 'number') return false;
  const copy = new Uint8Array(40);
  copy.set(words, 4);
  if (copyToGuest(cpu, ksp, copy) !== 0) return false;
  const masked = (eflags & FLAG_IF) === 0 || (gp.flags & TI_MASK_EVENTS) !== 0;
  cpu.mem.write8(vcpuInfoMa(v.domain, v.id) + VCPU_INFO_evtchn_upcall_mask, masked ? 1 : 0);
  loadSegmentCache(cpu, SS, kernelSs, ssDesc);
  loadSegmentCache(cpu, CS, gp.cs, csDesc);
  cpu.cpl = gp.cs & 3;
  cpu.eip = gp.address;
  cpu.reg32[ESP] = ksp | 0;
  const cleared = FLAG_IOPL | FLAG_VM | FLAG_RF | FLAG_NT | FLAG_TF;
  setEflags(cpu, ((eflags & ~cleared) | FLAG_IF) >>> 0, 0xffffffff);
  return true;
}

/** Chapter 05: a refused return crashes the domain (no failsafe callback yet). */
function crashRefused(ctx: HypercallContext, _to: GuestReturn, why: string): void {
  ctx.xen.crashDomain(ctx.domain, crashReport(ctx.vcpu, `iret: ${why}`));
}

/** The iret hypercall until chapter 07's failsafe callback takes over refused returns. */
export function doIret(ctx: HypercallContext, _args: Uint32Array): number {
  return iretReturn(ctx, crashRefused);
}

/** A stand-in from chapter 07 on, where failsafe.ts's iret enters the failsafe callback. */
export const IRET_MECHANISM: Mechanism = {
  name: 'the iret hypercall',
  hypercalls: { [__HYPERVISOR_iret]: doIret },
  standIn: true,
};
