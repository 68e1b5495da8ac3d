// Your working copy for chapter 10, generated from solutions/xen/cpuid.ts by npx xenlab stage.
// CPUID for a PV guest: the forced-emulation prefix and Xen's PV CPUID policy: book §2.3; Xen
// xen/arch/x86/pv/emul-inv-op.c, cpuid.c (guest_cpuid, cpuid_hypervisor_leaves),
// public/arch-x86/cpuid.h and cpufeatureset.h, docs/xen-abi.md §1.9.
// biome-ignore-all assist/source/organizeImports: the chapter-03 import stays in its region
//
// CPUID is not privileged: in ring 1 it runs natively and answers for the real processor. Xen
// can only catch it where the hardware has CPUID faulting, which the emulated machine does not
// have (nor did the processors 32-bit Xen ran on), so a PV kernel that wants Xen's answer asks
// for it explicitly: `ud2; .ascii "xen"; cpuid`. The ud2 traps with #UD, Xen recognises the
// five signature bytes and the CPUID behind them, answers from the domain's policy, and resumes
// the guest after the seven bytes. The policy is the host's CPUID with what a PV guest cannot
// use masked out, the hypervisor bit set, and Xen's own leaves at 0x40000000.

import { type CpuidLeaf, EAX, EBX, ECX, EDX, hostCpuid, TSC_HZ, VEC_UD } from '../../../../sim/host.ts';
import type { Vcpu } from './domain.ts';
import type { Mechanism } from './mechanism.ts';
import { instructionBytes } from './traps.ts';
import { XEN_SUBVERSION, XEN_VERSION } from './version.ts';
import { setTimeScale } from './time.ts';

/** XEN_EMULATE_PREFIX (public/arch-x86/xen.h): ud2, then "xen". */
export const XEN_EMULATE_PREFIX = [0x0f, 0x0b, 0x78, 0x65, 0x6e] as const;
const CPUID_OPCODE = [0x0f, 0xa2] as const;

/** Xen's leaves (public/arch-x86/cpuid.h): the base, and "XenVMMXenVMM" in EBX, ECX, EDX. */
export const XEN_CPUID_FIRST_LEAF = 0x40000000;
export const XEN_CPUID_SIGNATURE_EBX = 0x566e6558;
export const XEN_CPUID_SIGNATURE_ECX = 0x65584d4d;
export const XEN_CPUID_SIGNATURE_EDX = 0x4d4d566e;
/** Xen 4.1 has leaves base+0 … base+3 (signature, version, hypercall page, time). */
export const XEN_CPUID_MAX_NUM_LEAVES = 3;
/** The MSR a guest writes to have a hypercall page filled (leaf base+2, EBX). */
export const XEN_HYPERCALL_PAGE_MSR = 0x40000000;
/** Leaf base+2 ECX bit 0: mmu_update takes MMU_PT_UPDATE_PRESERVE_AD. */
export const XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD = 1 << 0;

/** Leaf 1 ECX bit 31: "running under a hypervisor", which Xen always sets. */
export const CPUID1_ECX_HYPERVISOR = 1 << 31;

/**
 * Leaf 1 EDX bits a PV guest may see: those cpufeatureset.h marks 'A' (all guests). VME, PSE,
 * MTRR, PGE and PSE36 are 'S' (HVM only): the guest's page tables and CR4 are Xen's to manage.
 * A 32-bit Xen also hides SEP, since SYSENTER would enter ring 0 and its kernel lives in ring 1.
 */
const PV_LEAF1_EDX =
  (1 << 0) | // FPU
  (1 << 2) | // DE
  (1 << 4) | // TSC
  (1 << 5) | // MSR
  (1 << 6) | // PAE
  (1 << 7) | // MCE
  (1 << 8) | // CX8
  (1 << 9) | // APIC
  (1 << 14) | // MCA
  (1 << 15) | // CMOV
  (1 << 16) | // PAT
  (1 << 19) | // CLFLUSH
  (1 << 22) | // ACPI
  (1 << 23) | // MMX
  (1 << 24) | // FXSR
  (1 << 25) | // SSE
  (1 << 26) | // SSE2
  (1 << 27) | // SS
  (1 << 28); // HTT
/** Leaf 1 ECX bits a PV guest may see ('A' in cpufeatureset.h; no VMX, MONITOR, OSXSAVE). */
const PV_LEAF1_ECX =
  (1 << 0) | // SSE3
  (1 << 1) | // PCLMULQDQ
  (1 << 9) | // SSSE3
  (1 << 12) | // FMA
  (1 << 19) | // SSE4_1
  (1 << 20) | // SSE4_2
  (1 << 22) | // MOVBE
  (1 << 23) | // POPCNT
  (1 << 25) | // AESNI
  (1 << 26) | // XSAVE
  (1 << 28) | // AVX
  (1 << 29) | // F16C
  (1 << 30); // RDRAND

const EMPTY_LEAF: CpuidLeaf = { a: 0, b: 0, c: 0, d: 0 };

/** The basic leaves (0 … max), as the host's masked for a PV guest. */
function basicLeaf(v: Vcpu, leaf: number, subleaf: number): CpuidLeaf {
  const host = hostCpuid(v.cpu, leaf, subleaf);
  if (leaf !== 1) return host;
  return {
    // Processor type cleared; the APIC id and logical count in EBX[31:24] are dynamic.
    a: host.a & 0x0fff0fff,
    b: host.b & 0x00ffffff,
    c: ((host.c & PV_LEAF1_ECX) | CPUID1_ECX_HYPERVISOR) >>> 0,
    d: host.d & PV_LEAF1_EDX,
  };
}

/** cpuid_hypervisor_leaves: Xen's own leaves, base+0 … base+XEN_CPUID_MAX_NUM_LEAVES. */
export function hypervisorLeaf(index: number, subleaf: number): CpuidLeaf {
  switch (index) {
    case 0:
      return {
        a: XEN_CPUID_FIRST_LEAF + XEN_CPUID_MAX_NUM_LEAVES,
        b: XEN_CPUID_SIGNATURE_EBX,
        c: XEN_CPUID_SIGNATURE_ECX,
        d: XEN_CPUID_SIGNATURE_EDX,
      };
    case 1:
      return { a: (XEN_VERSION << 16) | XEN_SUBVERSION, b: 0, c: 0, d: 0 };
    case 2:
      // One hypercall page, filled where the guest writes the MSR; PV features.
      return {
        a: 1,
        b: XEN_HYPERCALL_PAGE_MSR,
        c: XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD,
        d: 0,
      };
    case 3:
      return timeLeaf(subleaf);
    default:
      return EMPTY_LEAF;
  }
}

/**
 * Leaf base+3, the TSC: sub-leaf 0 the mode (native TSC, reliable, no RDTSCP; tsc_mode 0,
 * the rate in kHz, incarnation 0), 1 the offset and the TSC-to-ns scale (from chapter 03, which
 * brings system time), 2 the pCPU's kHz.
 */
function timeLeaf(subleaf: number): CpuidLeaf {
  const khz = TSC_HZ / 1000;
  switch (subleaf) {
    case 0:
      return { a: 1 << 1, b: 0, c: khz, d: 0 };
    case 1: {
      const scale = setTimeScale(TSC_HZ);
      return { a: 0, b: 0, c: scale.mul, d: scale.shift >>> 0 };
    }
    case 2:
      return { a: khz, b: 0, c: 0, d: 0 };
    default:
      return EMPTY_LEAF;
  }
}

/**
 * guest_cpuid: what `leaf`/`subleaf` answers for `v`'s domain. Leaves outside the ranges the
 * policy has read as zeros (Xen follows AMD's model there, not Intel's "highest basic leaf").
 */
export function guestCpuid(v: Vcpu, leaf: number, subleaf: number): CpuidLeaf {
  leaf >>>= 0;
  const maxBasic = hostCpuid(v.cpu, 0, 0).a;
  if (leaf <= maxBasic) return basicLeaf(v, leaf, subleaf);
  if (leaf >= XEN_CPUID_FIRST_LEAF && leaf <= XEN_CPUID_FIRST_LEAF + 0x1ff) {
    return hypervisorLeaf((leaf - XEN_CPUID_FIRST_LEAF) & 0xff, subleaf);
  }
  return EMPTY_LEAF;
}

/**
 * emulate_forced_invalid_op: `v` took #UD. When the bytes at EIP are the emulation prefix and
 * CPUID, answer from the policy and step over all seven bytes; otherwise leave the #UD alone.
 */
export function emulateForcedInvalidOp(v: Vcpu): boolean {
  const cpu = v.cpu;
  const bytes = instructionBytes(cpu, cpu.eip);
  const expected = [...XEN_EMULATE_PREFIX, ...CPUID_OPCODE];
  if (expected.some((b, i) => bytes[i] !== b)) return false;
  const r = guestCpuid(v, cpu.reg32[EAX]!, cpu.reg32[ECX]!);
  cpu.reg32[EAX] = r.a;
  cpu.reg32[EBX] = r.b;
  cpu.reg32[ECX] = r.c;
  cpu.reg32[EDX] = r.d;
  cpu.eip = (cpu.eip + expected.length) >>> 0;
  return true;
}

export const CPUID_MECHANISM: Mechanism = {
  name: 'forced CPUID emulation',
  guestException(_xen, v) {
    const cpu = v.cpu;
    return !cpu.exitSoftware && cpu.exitVector === VEC_UD && emulateForcedInvalidOp(v);
  },
};
