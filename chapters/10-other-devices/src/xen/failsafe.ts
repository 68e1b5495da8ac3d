// Your working copy for chapter 10, generated from solutions/xen/failsafe.ts by npx xenlab stage.
// The failsafe callback: where Xen sends a vCPU whose segment registers, or whose iret frame,
// it cannot load on the way back to the guest: book §7.3; Xen xen/arch/x86/domain.c
// (load_segments), xen/arch/x86/x86_64/compat/entry.S (compat_restore_all_guest's fixup,
// compat_failsafe_callback, compat_create_bounce_frame with TBF_FAILSAFE), docs/xen-abi.md §4.2.
//
// A guest may change a descriptor while a segment register still holds its selector: the CPU
// keeps using the cached copy, but Xen reloads DS, ES, FS and GS from the selectors when it
// switches the vCPU back in, and that load can fault. An iret frame may also name a CS or SS
// the hardware refuses. Xen cannot fix either, so it enters the guest's failsafe callback with
// a bounce frame that shows the selectors it tried (DS, ES, FS, GS below the usual EIP, CS,
// EFLAGS): the guest's kernel decides what to do (Linux nulls the bad ones and carries on, or
// kills the process that set them).
//
//   from the new ESP up:  DS  ES  FS  GS  EIP  CS|mask<<16  EFLAGS  [ESP  SS]
//
// ESP and SS are there when the vCPU was not in ring 1, whose frame goes on the kernel stack.
// A frame Xen cannot write crashes the domain.

import {
  type Cpu,
  CS,
  DS,
  descriptorBase,
  ES,
  ESP,
  FLAG_IF,
  FLAG_IOPL,
  FLAG_NT,
  FLAG_RF,
  FLAG_TF,
  FLAG_VM,
  FS,
  GS,
  getEflags,
  loadSegment,
  loadSegmentCache,
  readDescriptor,
  SS,
  setEflags,
  translateForHost,
} from '../../../../sim/host.ts';
import {
  __HYPERVISOR_iret,
  FLAT_KERNEL_CS,
  FLAT_KERNEL_DS,
  TI_MASK_EVENTS,
  VCPU_INFO_evtchn_upcall_mask,
  VMASST_TYPE_architectural_iopl,
} from './abi.ts';
import { callbacks } from './callback.ts';
import type { Vcpu } from './domain.ts';
import { pvIopl } from './emul-priv-op.ts';
import type { HypercallContext, HypervisorServices } from './hypercall.ts';
import { type GuestReturn, iretReturn } from './iret.ts';
import type { Mechanism } from './mechanism.ts';
import { vcpuInfoMa } from './shared-info.ts';
import { pvTraps } from './trap-table.ts';
import { crashReport } from './traps.ts';
import type { Xen } from './xen.ts';

const DATA_SEGMENTS = [DS, ES, FS, GS] as const;

/** EFLAGS as a bounce frame shows it: IF from the upcall mask, IOPL the virtual one or 0. */
function frameEflags(v: Vcpu, eflags: number, mask: number): number {
  const architectural = (v.domain.vmAssist & (1 << VMASST_TYPE_architectural_iopl)) !== 0;
  const iopl = architectural ? pvIopl(v).iopl << 12 : 0;
  return ((eflags & ~(FLAG_IF | FLAG_IOPL)) | (mask === 0 ? FLAG_IF : 0) | iopl) >>> 0;
}

/**
 * Writes `words` below `esp` on the stack segment `ss` (lowest address first); returns the new
 * ESP, or null when a slot cannot be written (nothing is written then).
 */
function pushWords(cpu: Cpu, ss: number, esp: number, words: readonly number[]): number | null {
  const desc = readDescriptor(cpu, ss);
  if (desc === null) return null;
  const base = descriptorBase(desc);
  const newEsp = (esp - words.length * 4) >>> 0;
  const slots = words.map((_, i) => translateForHost(cpu, (base + newEsp + i * 4) >>> 0, true));
  if (slots.some((pa) => pa < 0)) return null;
  words.forEach((w, i) => {
    cpu.mem.write32(slots[i]!, w >>> 0);
  });
  return newEsp;
}

/**
 * How the two paths enter the callback: compat_create_bounce_frame (after a refused iret) goes
 * through the registered code selector and pushes on the stack segment it returns on;
 * load_segments goes through the flat kernel selectors and takes every stack to be flat.
 */
interface Entry {
  cs: (registered: number) => number;
  flat: boolean;
}

/**
 * Builds the failsafe bounce frame for `to` and enters the callback. `selectors` are the DS,
 * ES, FS, GS values the frame shows. Returns false, having crashed the domain, when the frame
 * cannot be written or no callback is registered.
 */
function enterFailsafe(
  xen: HypervisorServices,
  v: Vcpu,
  to: GuestReturn,
  selectors: readonly number[],
  entry: Entry,
  why: string,
): boolean {
  const cpu = v.cpu;
  const cb = callbacks(v).failsafe;
  const crash = (what: string) => {
    xen.crashDomain(v.domain, crashReport(v, `${why}; ${what}`));
    return false;
  };
  const cs = entry.cs(cb.cs);
  if ((cs & ~3) === 0 || cb.address === 0) return crash('no failsafe callback is registered');
  const maskAt = vcpuInfoMa(v.domain, v.id) + VCPU_INFO_evtchn_upcall_mask;
  const mask = cpu.mem.read8(maskAt);
  const frame = [...selectors, to.eip, (to.cs & 0xffff) | (mask << 16)];
  frame.push(frameEflags(v, to.eflags, mask));
  let ss = to.ss;
  let esp = to.esp;
  if ((to.cs & 3) !== 1) {
    // Not from the kernel: the frame goes on the kernel stack and records the old one.
    frame.push(to.esp, to.ss);
    ({ kernelSs: ss, kernelSp: esp } = pvTraps(v));
  }
  if (entry.flat) ss = FLAT_KERNEL_DS;
  const newEsp = pushWords(cpu, ss, esp, frame);
  const csDesc = readDescriptor(cpu, cs);
  const ssDesc = readDescriptor(cpu, ss);
  if (newEsp === null || csDesc === null || ssDesc === null) {
    return crash('the failsafe frame cannot be written');
  }
  if ((cb.flags & TI_MASK_EVENTS) !== 0) cpu.mem.write8(maskAt, 1);
  loadSegmentCache(cpu, CS, cs, csDesc);
  loadSegmentCache(cpu, SS, ss, ssDesc);
  cpu.cpl = cs & 3;
  cpu.eip = cb.address;
  cpu.reg32[ESP] = newEsp | 0;
  const cleared = FLAG_VM | FLAG_RF | FLAG_NT | FLAG_TF | FLAG_IOPL;
  setEflags(cpu, ((to.eflags & ~cleared) | FLAG_IF) >>> 0, 0xffffffff);
  return true;
}

/**
 * compat_failsafe_callback for a return the hardware refuses (HYPERVISOR_iret's CS or SS): the
 * frame shows the return that failed and the live data selectors; the callback is entered
 * through the code selector it was registered with.
 */
export function iretFailsafe(ctx: HypercallContext, to: GuestReturn, why: string): void {
  const selectors = DATA_SEGMENTS.map((seg) => ctx.vcpu.cpu.segSelector[seg]!);
  const entry = { cs: (registered: number) => registered, flat: false };
  enterFailsafe(ctx.xen, ctx.vcpu, to, selectors, entry, `iret: ${why}`);
}

/** HYPERVISOR_iret from chapter 07 on: a refused return enters the failsafe callback. */
export function doIretFailsafe(ctx: HypercallContext, _args: Uint32Array): number {
  return iretReturn(ctx, iretFailsafe);
}

/**
 * load_segments: reloads DS, ES, FS and GS from their selectors, as Xen does when it switches
 * a vCPU in. A selector that no longer loads is left null and the vCPU enters its failsafe
 * callback, through the flat kernel selectors, with the selectors it held.
 */
export function loadSegments(xen: HypervisorServices, v: Vcpu): void {
  const cpu = v.cpu;
  const selectors = DATA_SEGMENTS.map((seg) => cpu.segSelector[seg]!);
  let allOkay = true;
  DATA_SEGMENTS.forEach((seg, i) => {
    if (loadSegment(cpu, seg, selectors[i]!)) return;
    loadSegment(cpu, seg, 0);
    allOkay = false;
  });
  if (allOkay) return;
  const to: GuestReturn = {
    eip: cpu.eip,
    cs: cpu.segSelector[CS]!,
    eflags: getEflags(cpu),
    esp: cpu.reg32[ESP]! >>> 0,
    ss: cpu.segSelector[SS]!,
  };
  const entry = { cs: () => FLAT_KERNEL_CS, flat: true };
  enterFailsafe(xen, v, to, selectors, entry, 'a data segment cannot be reloaded');
}

/** The vCPU whose segments each Xen last loaded (per_cpu curr_vcpu: kept across idle). */
const lastLoaded = new WeakMap<Xen, Vcpu>();

/** context_switch: the segments are reloaded only when another vCPU's were loaded last. */
function switchIn(xen: Xen, v: Vcpu): void {
  if (lastLoaded.get(xen) === v) return;
  lastLoaded.set(xen, v);
  loadSegments(xen, v);
}

export const FAILSAFE_MECHANISM: Mechanism = {
  name: 'the failsafe callback',
  hypercalls: { [__HYPERVISOR_iret]: doIretFailsafe },
  vcpuSwitchIn: switchIn,
};
