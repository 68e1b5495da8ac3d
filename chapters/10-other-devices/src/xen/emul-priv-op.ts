// Your working copy for chapter 10, generated from solutions/xen/emul-priv-op.ts by npx xenlab stage.
// Privileged instructions of the guest kernel, emulated: book §2.2–2.3, §5.7.2, appendix A.3;
// Xen xen/arch/x86/pv/emul-priv-op.c, traps.c (do_fpu_taskswitch, do_device_not_available),
// pv/misc-hypercalls.c, physdev.c (PHYSDEVOP_set_iopl), msr.c, docs/xen-abi.md §4.8.
//
// In ring 1 a privileged instruction raises #GP, which enters Xen. Some of them a PV kernel may
// still use, because Xen emulates them against the vCPU's virtual state:
//
//   mov from CR0/CR2/CR3/CR4    CR0 with the guest's TS; CR3 in "cr3 format"
//   mov to CR0 / CLTS           only TS may change: lazy FPU switching (fpu_taskswitch)
//   mov to CR2 / CR3 / CR4      CR3 switches page tables; CR4 keeps Xen's bits
//   mov to/from DR0–DR7         with set_debugreg's checks
//   RDMSR / WRMSR               the MSRs Xen's policy knows; any other is #GP
//   IN / OUT, CLI / STI         only under the virtual IOPL (PHYSDEVOP_set_iopl)
//   WBINVD                      ignored
//
// Anything else, or a check that fails, leaves the #GP to the guest's own handler.

import {
  CS,
  DS,
  EAX,
  ECX,
  EDI,
  EDX,
  ES,
  ESI,
  FLAG_DF,
  FLAG_VM,
  FS,
  GS,
  getEflags,
  SS,
  translateForHost,
  VEC_GP,
  VEC_NM,
  VEC_PF,
  writeCr,
} from '../../../../sim/host.ts';
import {
  __HYPERVISOR_fpu_taskswitch,
  __HYPERVISOR_physdev_op,
  VCPU_INFO_arch_cr2,
  VMASST_TYPE_architectural_iopl,
} from './abi.ts';
import { writeHypercallPage } from './builder.ts';
import { getDebugreg, setDebugreg } from './debugreg.ts';
import type { Domain, Vcpu } from './domain.ts';
import { EFAULT, EINVAL, ENOSYS } from './errno.ts';
import { readGuestU32 } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';
import { type Mechanism, perVcpu } from './mechanism.ts';
import { getPageAndType, newBaseptr, PGT_writable_page, putPageAndType } from './mm.ts';
import { vcpuInfoMa } from './shared-info.ts';
import { instructionBytes } from './traps.ts';
import type { Xen } from './xen.ts';

const CR0_TS = 1 << 3;
const CR4_TSD = 1 << 2;
const CR4_DE = 1 << 3;
/** The CR4 bits a PV guest controls; the others stay as Xen set them. */
const CR4_GUEST_BITS = CR4_TSD | CR4_DE;

/** PHYSDEVOP_set_iopl (public/physdev.h): struct physdev_set_iopl { uint32_t iopl; }. */
export const PHYSDEVOP_set_iopl = 6;

/** The MSRs of Xen's policy for a 32-bit PV guest on this machine. */
export const MSR_IA32_TSC = 0x10;
export const MSR_EFER = 0xc0000080;
/** Xen's MSR for an HVM-style hypercall page (leaf 0x40000002): gmfn << 12 | index 0. */
export const MSR_XEN_HYPERCALL_PAGE = 0x40000000;
export const MSR_IA32_MISC_ENABLE = 0x1a0;
export const MSR_IA32_PERF_CAPABILITIES = 0x345;
/** MISC_ENABLE bits Xen hides or forces (SDM vol. 4, IA32_MISC_ENABLE). */
const MISC_ENABLE_PERF_AVAIL = 1 << 7;
const MISC_ENABLE_BTS_UNAVAIL = 1 << 11;
const MISC_ENABLE_PEBS_UNAVAIL = 1 << 12;
const MISC_ENABLE_MONITOR_ENABLE = 1 << 18;
const MISC_ENABLE_XTPR_DISABLE = 1 << 23;
/**
 * The machine's own IA32_MISC_ENABLE: fast strings (bit 0) and performance monitoring (bit 7)
 * on, as on a typical Intel CPU; the machine has nothing else to report.
 */
const HOST_MISC_ENABLE = 1 | MISC_ENABLE_PERF_AVAIL;

/**
 * Intel's performance-counter MSRs (P6 counters and event selects, the fixed counters and
 * their controls). With Xen's vPMU off, its default, reads give 0 and writes are dropped.
 */
function isIntelPerfMsr(index: number): boolean {
  return (
    (index >= 0xc1 && index <= 0xc8) || // MSR_P6_PERFCTR(0..7)
    (index >= 0x186 && index <= 0x189) || // MSR_P6_EVNTSEL(0..3)
    (index >= 0x309 && index <= 0x30b) || // MSR_CORE_PERF_FIXED_CTR0..2
    (index >= 0x38d && index <= 0x390) // MSR_CORE_PERF_FIXED_CTR_CTRL .. GLOBAL_OVF_CTRL
  );
}

/** guest_misc_enable: performance monitoring and MONITOR hidden; BTS, PEBS, xTPR off. */
function guestMiscEnable(host: number): number {
  const hidden = MISC_ENABLE_PERF_AVAIL | MISC_ENABLE_MONITOR_ENABLE;
  const forced = MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL | MISC_ENABLE_XTPR_DISABLE;
  return ((host & ~hidden) | forced) >>> 0;
}

/** What Xen keeps per vCPU for the emulation: the virtual I/O privilege level (0–3). */
export const pvIopl = perVcpu((): { iopl: number } => ({ iopl: 0 }));

/** iopl_ok: the kernel counts as ring 1 (ring 0 under architectural_iopl), user space ring 3. */
function ioplOk(v: Vcpu): boolean {
  const architectural = (v.domain.vmAssist & (1 << VMASST_TYPE_architectural_iopl)) !== 0;
  const cpl = v.cpu.cpl === 3 ? 3 : architectural ? 0 : 1;
  return cpl <= pvIopl(v).iopl;
}

/** do_fpu_taskswitch: sets or clears the vCPU's CR0.TS (lazy FPU switching). */
export function fpuTaskswitch(v: Vcpu, set: boolean): void {
  const cr0 = v.cpu.cr0;
  writeCr(v.cpu, 0, set ? cr0 | CR0_TS : cr0 & ~CR0_TS);
}

/** xen_pfn_to_cr3 / xen_cr3_to_pfn for 32-bit PAE guests (extended CR3, §5.8). */
const pfnToCr3 = (pfn: number) => ((pfn << 12) | (pfn >>> 20)) >>> 0;
const cr3ToPfn = (cr3: number) => ((cr3 >>> 12) | (cr3 << 20)) >>> 0;

/** read_cr: the guest's view of CRn, or null (#GP) for a register that does not exist. */
function readCr(v: Vcpu, n: number): number | null {
  const cpu = v.cpu;
  switch (n) {
    case 0:
      return cpu.cr0 >>> 0;
    case 2:
      return cpu.cr2 >>> 0;
    case 3:
      return pfnToCr3(cpu.cr3 >>> 12);
    case 4:
      return cpu.cr4 >>> 0;
    default:
      return null;
  }
}

/** write_cr: true when the write is done; false leaves the #GP to the guest. */
function writeCrEmulated(xen: Xen, v: Vcpu, n: number, value: number): boolean {
  const cpu = v.cpu;
  switch (n) {
    case 0:
      // Only TS may change: the rest of CR0 is Xen's.
      if (((value ^ cpu.cr0) & ~CR0_TS) !== 0) return false;
      fpuTaskswitch(v, (value & CR0_TS) !== 0);
      return true;
    case 2:
      cpu.cr2 = value >>> 0;
      cpu.mem.write32(vcpuInfoMa(v.domain, v.id) + VCPU_INFO_arch_cr2, value >>> 0);
      return true;
    case 3:
      return newBaseptr(xen.heap, cpu, cr3ToPfn(value), v.domain.domid) === 0;
    case 4:
      writeCr(cpu, 4, (cpu.cr4 & ~CR4_GUEST_BITS) | (value & CR4_GUEST_BITS));
      return true;
    default:
      return false;
  }
}

/** read_msr under Xen's policy: the value, or null for #GP. */
function readMsr(v: Vcpu, index: number): number | null {
  const cpu = v.cpu;
  switch (index) {
    case MSR_IA32_TSC:
      return cpu.tscOffset + cpu.instructions;
    case MSR_EFER:
      return cpu.efer >>> 0;
    case MSR_IA32_MISC_ENABLE:
      return guestMiscEnable(HOST_MISC_ENABLE);
    case MSR_IA32_PERF_CAPABILITIES:
      return 0; // no extra capabilities
    default:
      return isIntelPerfMsr(index) ? 0 : null;
  }
}

/**
 * write_msr under Xen's policy: true when done. EFER may only be written with the value it
 * has; Xen's hypercall-page MSR fills a page of the domain's with the stubs. MISC_ENABLE and
 * the performance counters take any value and keep none (Xen logs a MISC_ENABLE change and
 * ignores it); anything else #GP.
 */
function writeMsr(d: Domain, xen: Xen, index: number, value: number, high: number): boolean {
  switch (index) {
    case MSR_EFER:
      return high === 0 && value === d.vcpus[0]!.cpu.efer >>> 0;
    case MSR_XEN_HYPERCALL_PAGE: {
      // A PV guest names the frame by its MFN; it must be an ordinary page of its own.
      const mfn = (value >>> 12) | (high << 20);
      if ((value & 0xfff) !== 0) return false;
      if (getPageAndType(xen.heap, mfn, d.domid, PGT_writable_page) !== 0) return false;
      writeHypercallPage(xen.mem, mfn);
      putPageAndType(xen.heap, mfn);
      return true;
    }
    case MSR_IA32_MISC_ENABLE:
      if (high !== 0 || value !== guestMiscEnable(HOST_MISC_ENABLE)) {
        const to = (high * 2 ** 32 + value).toString(16);
        xen.log(`d${d.domid} attempted WRMSR ${index.toString(16)} to 0x${to}: ignored`);
      }
      return true;
    default:
      return isIntelPerfMsr(index);
  }
}

/** I/O ports: a domain without hardware access reads all ones and its writes go nowhere. */
function emulateIo(v: Vcpu, isIn: boolean, size: number): void {
  if (!isIn) return;
  const ones = size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
  const r = v.cpu.reg32;
  r[EAX] = size === 4 ? ones | 0 : (r[EAX]! & ~ones) | ones;
}

/**
 * INS and OUTS under the virtual IOPL (rep_ins, rep_outs): each repetition moves one item
 * between the port (all ones in, writes dropped) and memory at ES:EDI (INS) or seg:ESI (OUTS,
 * DS unless overridden), stepping the index by the size, backwards with EFLAGS.DF; with REP,
 * ECX times. A memory access that faults stops there with the registers as far as the
 * repetitions done, and the guest takes the #PF (write access for INS). False: not emulated.
 */
function emulateStringIo(v: Vcpu, op: number, size: number, seg: number, rep: boolean): boolean {
  const cpu = v.cpu;
  const r = cpu.reg32;
  const isIn = op < 0x6e;
  const index = isIn ? EDI : ESI;
  const segment = isIn ? ES : seg;
  // A data segment Xen can write for INS, one it can read for OUTS; else the #GP stands.
  const access = cpu.segAccess[segment]!;
  const code = (access & SEG_CODE) !== 0;
  const usable = isIn ? !code && (access & SEG_WR) !== 0 : !code || (access & SEG_WR) !== 0;
  if ((access & (SEG_P | SEG_S)) !== (SEG_P | SEG_S) || !usable) return false;
  const base = cpu.segBase[segment]!;
  const step = (getEflags(cpu) & FLAG_DF) !== 0 ? -size : size;
  let count = rep ? r[ECX]! >>> 0 : 1;
  const ones = size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
  for (; count > 0; count--) {
    const linear = (base + r[index]!) >>> 0;
    for (let i = 0; i < size; i++) {
      const pa = translateForHost(cpu, (linear + i) >>> 0, isIn);
      if (pa < 0) return fetchFaultAt(v, (linear + i) >>> 0, isIn ? PFEC_write_access : 0);
      if (isIn) cpu.mem.write8(pa, (ones >>> (8 * i)) & 0xff);
    }
    r[index] = (r[index]! + step) | 0;
    if (rep) r[ECX] = (r[ECX]! - 1) | 0;
  }
  return true;
}

/** Prefix bytes the emulator accepts: operand size, REP, and segment overrides. */
const OPSIZE = 0x66;
const REP_PREFIXES = new Set([0xf2, 0xf3]);
const SEGMENT_PREFIXES: Readonly<Record<number, number>> = {
  38: ES,
  46: CS,
  54: SS,
  62: DS,
  100: FS,
  101: GS,
};
const PFEC_write_access = 2;
/** Access-byte bits of a segment (SDM vol. 3A §3.4.5): present, code/data, code, W or R. */
const SEG_P = 0x80;
const SEG_S = 0x10;
const SEG_CODE = 0x08;
const SEG_WR = 0x02;

/**
 * insn_fetch failing: a byte of the instruction cannot be read any more (another vCPU unmapped
 * its page after the #GP). Xen injects a #PF at that byte, error code 0, in place of the #GP:
 * the exit becomes the page fault and the bounce delivers it. Returns false (not emulated).
 */
function fetchFault(v: Vcpu, offset: number): boolean {
  return fetchFaultAt(v, (v.cpu.segBase[CS]! + v.cpu.eip + offset) >>> 0, 0);
}

/** A #PF at `linear` with `errorCode` in place of the #GP (x86_emul_pagefault). */
function fetchFaultAt(v: Vcpu, linear: number, errorCode: number): boolean {
  const cpu = v.cpu;
  cpu.cr2 = linear;
  cpu.exitVector = VEC_PF;
  cpu.exitHasErrorCode = true;
  cpu.exitErrorCode = errorCode;
  return false;
}

/**
 * pv_emulate_privileged_op: decodes the instruction behind `v`'s #GP and emulates it. Returns
 * false, changing nothing, when it is not one Xen emulates or a check fails.
 */
export function emulatePrivilegedOp(xen: Xen, v: Vcpu): boolean {
  const cpu = v.cpu;
  if ((getEflags(cpu) & FLAG_VM) !== 0) return false;
  const bytes = instructionBytes(cpu, cpu.eip);
  let at = 0;
  let opsize = 4;
  let rep = false;
  let seg = DS;
  for (; at < bytes.length; at++) {
    const b = bytes[at]!;
    if (b === OPSIZE) opsize = 2;
    else if (REP_PREFIXES.has(b)) rep = true;
    else if (SEGMENT_PREFIXES[b] !== undefined) seg = SEGMENT_PREFIXES[b]!;
    else break;
  }
  // Every byte the decoder reads must still be there (15 bytes is the longest instruction).
  const unreadable = (length: number) => length > bytes.length && bytes.length < 15;
  if (unreadable(at + 1)) return fetchFault(v, bytes.length);
  const op = bytes[at++];
  const kernel = cpu.cpl !== 3;
  const done = (length: number) => {
    cpu.eip = (cpu.eip + length) >>> 0;
    return true;
  };
  const r = cpu.reg32;
  switch (op) {
    case 0xe4: // in al/eax, imm8
    case 0xe5:
    case 0xec: // in al/eax, dx
    case 0xed:
    case 0xe6: // out imm8, al/eax
    case 0xe7:
    case 0xee: // out dx, al/eax
    case 0xef: {
      if (op < 0xe8 && unreadable(at + 1)) return fetchFault(v, bytes.length);
      if (!ioplOk(v)) return false;
      const size = (op & 1) === 0 ? 1 : opsize;
      emulateIo(v, (op & 2) === 0, size);
      return done(at + (op < 0xe8 ? 1 : 0));
    }
    case 0x6c: // insb
    case 0x6d: // insw / insd
    case 0x6e: // outsb
    case 0x6f: // outsw / outsd
      if (!ioplOk(v)) return false;
      return emulateStringIo(v, op, (op & 1) === 0 ? 1 : opsize, seg, rep) && done(at);
    case 0xfa: // cli
    case 0xfb: // sti
      // Xen lets them through under IOPL and does nothing: POPF could not undo a CLI.
      return ioplOk(v) && done(at);
    case 0x0f:
      break;
    default:
      return false;
  }
  const withModrm = (b: number | undefined) => b !== undefined && b >= 0x20 && b <= 0x23;
  if (unreadable(at + 1) || (withModrm(bytes[at]) && unreadable(at + 2))) {
    return fetchFault(v, bytes.length);
  }
  if (!kernel) return false;
  const op2 = bytes[at++];
  const modrm = bytes[at] ?? 0;
  const crOrDr = (modrm >>> 3) & 7;
  const gpr = modrm & 7;
  switch (op2) {
    case 0x06: // clts
      fpuTaskswitch(v, false);
      return done(at);
    case 0x09: // wbinvd
      return done(at);
    case 0x20: {
      const value = readCr(v, crOrDr);
      if (value === null) return false;
      r[gpr] = value | 0;
      return done(at + 1);
    }
    case 0x22:
      return writeCrEmulated(xen, v, crOrDr, r[gpr]! >>> 0) && done(at + 1);
    case 0x21: {
      const value = getDebugreg(v, crOrDr);
      if (value === -EINVAL) return false;
      r[gpr] = value;
      return done(at + 1);
    }
    case 0x23:
      return setDebugreg(v, crOrDr, r[gpr]!) === 0 && done(at + 1);
    case 0x30:
      return writeMsr(v.domain, xen, r[ECX]! >>> 0, r[EAX]! >>> 0, r[EDX]! >>> 0) && done(at);
    case 0x32: {
      const value = readMsr(v, r[ECX]! >>> 0);
      if (value === null) return false;
      r[EAX] = (value % 0x1_0000_0000) | 0;
      r[EDX] = Math.floor(value / 0x1_0000_0000) | 0;
      return done(at);
    }
    default:
      return false;
  }
}

/** fpu_taskswitch(set). Always 0. */
function doFpuTaskswitch(ctx: HypercallContext, args: Uint32Array): number {
  fpuTaskswitch(ctx.vcpu, args[0]! !== 0);
  return 0;
}

/** physdev_op(cmd, arg): PHYSDEVOP_set_iopl only; the other commands need real devices. */
function doPhysdevOp(ctx: HypercallContext, args: Uint32Array): number {
  if (args[0] !== PHYSDEVOP_set_iopl) return -ENOSYS;
  const iopl = readGuestU32(ctx.vcpu.cpu, args[1]!);
  if (iopl === null) return -EFAULT;
  if (iopl > 3) return -EINVAL;
  pvIopl(ctx.vcpu).iopl = iopl;
  return 0;
}

export const EMUL_PRIV_OP_MECHANISM: Mechanism = {
  name: 'privileged-instruction emulation',
  hypercalls: {
    [__HYPERVISOR_fpu_taskswitch]: doFpuTaskswitch,
    [__HYPERVISOR_physdev_op]: doPhysdevOp,
  },
  guestException(xen, v) {
    const cpu = v.cpu;
    if (cpu.exitSoftware) return false;
    if (cpu.exitVector === VEC_GP) return emulatePrivilegedOp(xen, v);
    // do_device_not_available: the guest's TS caused the #NM; Xen clears it and lets the
    // guest's own handler run (it returns false so that the bounce delivers it).
    if (cpu.exitVector === VEC_NM) fpuTaskswitch(v, false);
    return false;
  },
};
