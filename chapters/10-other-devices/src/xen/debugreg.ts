// Your working copy for chapter 10, generated from solutions/xen/debugreg.ts by npx xenlab stage.
// The guest's debug registers: set_debugreg and get_debugreg: book §5.7.2, appendix A.3; Xen
// xen/arch/x86/pv/misc-hypercalls.c and x86_32 traps.c (set_debugreg, do_get_debugreg),
// docs/xen-abi.md §4.7.
//
// A guest kernel may set hardware breakpoints, but only on its own addresses: a breakpoint on
// Xen's memory would let it watch Xen. Xen loads the values into the real debug registers
// while the vCPU runs, so a breakpoint fires as on bare hardware and comes back to the guest as
// a #DB through its virtual IDT. Each vCPU here has its own CPU, whose DR0–DR7 hold them.

import { __HYPERVISOR_get_debugreg, __HYPERVISOR_set_debugreg } from './abi.ts';
import type { Vcpu } from './domain.ts';
import { EINVAL, EPERM } from './errno.ts';
import { accessOk } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';
import type { Mechanism } from './mechanism.ts';

/** DR6: bits 4–11 and 16–31 read as 1, bit 12 as 0. */
const DR6_RESERVED_ONE = 0xffff0ff0;
const DR6_RESERVED_ZERO = 1 << 12;
/** DR7: bit 10 reads as 1, bits 11, 12, 14, 15 as 0; GD (bit 13) is Xen's alone. */
const DR7_RESERVED_ONE = 1 << 10;
const DR7_RESERVED_ZERO = (1 << 11) | (1 << 12) | (1 << 14) | (1 << 15);
const DR7_GENERAL_DETECT = 1 << 13;
/** The L0–L3 and G0–G3 enable bits. */
const DR7_ACTIVE_MASK = 0xff;
/** R/W field value 2: an I/O breakpoint, which needs CR4.DE. */
const DR_IO = 2;
const CR4_DE = 1 << 3;

/**
 * set_debugreg: DR0–DR3 must hold a guest address (a 4-byte access there must pass access_ok),
 * DR6 and DR7 get their reserved bits forced, DR7 may not set GD, nor arm an I/O breakpoint
 * without CR4.DE. Returns 0, -EPERM, or -EINVAL for another register.
 */
export function setDebugreg(v: Vcpu, reg: number, value: number): number {
  value >>>= 0;
  switch (reg) {
    case 0:
    case 1:
    case 2:
    case 3:
      if (!accessOk(value, 4)) return -EPERM;
      break;
    case 6:
      value = ((value & ~DR6_RESERVED_ZERO) | DR6_RESERVED_ONE) >>> 0;
      break;
    case 7: {
      value = ((value & ~DR7_RESERVED_ZERO) | DR7_RESERVED_ONE) >>> 0;
      if ((value & DR7_GENERAL_DETECT) !== 0) return -EPERM;
      if ((value & DR7_ACTIVE_MASK) === 0) break;
      for (let i = 0; i < 4; i++) {
        const rw = (value >>> (16 + i * 4)) & 3;
        if (rw === DR_IO && (v.cpu.cr4 & CR4_DE) === 0) return -EPERM;
      }
      break;
    }
    default:
      return -EINVAL;
  }
  v.cpu.dr[reg] = value | 0;
  return 0;
}

/** get_debugreg: the value of DR0–DR3, DR6 or DR7; -EINVAL for another register. */
export function getDebugreg(v: Vcpu, reg: number): number {
  if (reg > 7 || reg === 4 || reg === 5) return -EINVAL;
  return v.cpu.dr[reg]!;
}

export const DEBUGREG_MECHANISM: Mechanism = {
  name: 'debug registers',
  hypercalls: {
    [__HYPERVISOR_set_debugreg]: (ctx: HypercallContext, args) =>
      setDebugreg(ctx.vcpu, args[0]!, args[1]!),
    [__HYPERVISOR_get_debugreg]: (ctx: HypercallContext, args) => getDebugreg(ctx.vcpu, args[0]!),
  },
};
