// Your working copy for chapter 09, generated from solutions/xen/iret.ts by npx xenlab stage.
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
// cannot be read, or returns to ring 0, is fatal to the domain.

import {
  CS,
  type Descriptor,
  EAX,
  ESP,
  FLAG_IF,
  FLAG_IOPL,
  FLAG_VM,
  loadSegmentCache,
  readDescriptor,
  SS,
  setEflags,
} from '../../../../sim/host.ts';
import { __HYPERVISOR_iret, VCPU_INFO_evtchn_upcall_mask } from './abi.ts';
import { accessOk, copyFromGuest } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';
import type { Mechanism } from './mechanism.ts';
import { vcpuInfoMa } from './shared-info.ts';
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

/**
 * do_iret: pops the frame above from the guest's stack and returns into it. Returns the popped
 * EAX (the dispatcher writes it back to EAX), or crashes the domain on a bad frame.
 */
export function doIret(ctx: HypercallContext, _args: Uint32Array): number {
  const v = ctx.vcpu;
  const cpu = v.cpu;
  const fatal = (why: string) => {
    ctx.xen.crashDomain(ctx.domain, crashReport(v, `iret: ${why}`));
    return cpu.reg32[EAX]!;
  };
  const esp = cpu.reg32[ESP]! >>> 0;
  // The largest frame is 6 words after EAX; it must lie below Xen's hole.
  if (!accessOk(esp, 40)) return fatal(`frame at ${esp.toString(16)} reaches into Xen`);
  const frame = copyFromGuest(cpu, esp, 16);
  if (typeof frame === 'number') return fatal('cannot read the frame');
  const words = new Uint32Array(frame.buffer);
  const [eax, eip, csWord, eflags] = [words[0]!, words[1]!, words[2]!, words[3]!];
  const cs = csWord & 0xffff;
  if ((eflags & FLAG_VM) !== 0) return fatal('return to virtual-8086 mode');
  if ((cs & 3) === 0) return fatal(`return to ring 0 (CS ${cs.toString(16)})`);
  const csDesc = readDescriptor(cpu, cs);
  if (!isCodeFor(csDesc, cs)) return fatal(`CS ${cs.toString(16)} is not a code segment`);
  let newEsp = (esp + 16) >>> 0;
  if ((cs & 3) !== 1) {
    const outer = copyFromGuest(cpu, newEsp, 8);
    if (typeof outer === 'number') return fatal('cannot read the outer stack');
    const outerWords = new Uint32Array(outer.buffer);
    const ss = outerWords[1]! & 0xffff;
    const ssDesc = readDescriptor(cpu, ss);
    if ((ss & 3) !== (cs & 3) || !isStackFor(ssDesc, ss)) {
      return fatal(`SS ${ss.toString(16)} is not a stack for ring ${cs & 3}`);
    }
    newEsp = outerWords[0]!;
    loadSegmentCache(cpu, SS, ss, ssDesc);
  }
  loadSegmentCache(cpu, CS, cs, csDesc);
  cpu.cpl = cs & 3;
  cpu.eip = eip;
  cpu.reg32[ESP] = newEsp | 0;
  setEflags(cpu, ((eflags & ~FLAG_IOPL) | FLAG_IF) >>> 0, 0xffffffff);
  const masked = (eflags & FLAG_IF) === 0 ? 1 : 0;
  cpu.mem.write8(vcpuInfoMa(v.domain, v.id) + VCPU_INFO_evtchn_upcall_mask, masked);
  return eax | 0;
}

export const IRET_MECHANISM: Mechanism = {
  name: 'the iret hypercall',
  hypercalls: { [__HYPERVISOR_iret]: doIret },
};
