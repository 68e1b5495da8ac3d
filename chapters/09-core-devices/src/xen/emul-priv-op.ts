// Your working copy for chapter 09, generated from solutions/xen/emul-priv-op.ts by npx xenlab stage.
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

import { EAX, ECX, EDX, FLAG_VM, getEflags, VEC_GP, VEC_NM, writeCr } from '../../../../sim/host.ts';
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
    default:
      return null;
  }
}

/**
 * write_msr under Xen's policy: true when done. EFER may only be written with the value it
 * has; Xen's hypercall-page MSR fills a page of the domain's with the stubs; anything else #GP.
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
    default:
      return false;
  }
}

/** I/O ports: a domain without hardware access reads all ones and its writes go nowhere. */
function emulateIo(v: Vcpu, isIn: boolean, size: number): void {
  if (!isIn) return;
  const ones = size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
  const r = v.cpu.reg32;
  r[EAX] = size === 4 ? ones | 0 : (r[EAX]! & ~ones) | ones;
}

/** Prefix bytes the emulator accepts: operand size, and segment overrides it can ignore. */
const OPSIZE = 0x66;
const IGNORED_PREFIXES = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65]);

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
  while (at < bytes.length && (bytes[at] === OPSIZE || IGNORED_PREFIXES.has(bytes[at]!))) {
    if (bytes[at] === OPSIZE) opsize = 2;
    at++;
  }
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
      if (!ioplOk(v)) return false;
      const size = (op & 1) === 0 ? 1 : opsize;
      emulateIo(v, (op & 2) === 0, size);
      return done(at + (op < 0xe8 ? 1 : 0));
    }
    case 0xfa: // cli
    case 0xfb: // sti
      // Xen lets them through under IOPL and does nothing: POPF could not undo a CLI.
      return ioplOk(v) && done(at);
    case 0x0f:
      break;
    default:
      return false;
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
