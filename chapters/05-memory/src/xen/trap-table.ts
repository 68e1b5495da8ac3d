// Your working copy for chapter 05, generated from solutions/xen/trap-table.ts by npx xenlab stage.
// The virtual IDT and the ring-1 stack: set_trap_table and stack_switch: book §5.7.2,
// appendix A.3; Xen xen/arch/x86/traps.c (do_set_trap_table), x86_32/traps.c
// (do_stack_switch), public/arch-x86/xen.h (trap_info), xen-abi §4.1, §4.3.
//
// A PV kernel cannot load an IDT: it hands Xen a table of handlers instead, and Xen delivers
// exceptions to them with a bounce frame (bounce.ts). Selectors with RPL 0 are raised to 1,
// because the guest kernel runs in ring 1.

import { TRAP_INFO_SIZE } from './abi.ts';
import type { TrapInfo } from './domain.ts';
import { EFAULT } from './errno.ts';
import { copyFromGuest } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';

/** How many trap_info entries one set_trap_table reads (16 per vector). */
const MAX_TRAP_ENTRIES = 4096;

/** A guest code or stack selector as Xen keeps it: ring 0 becomes ring 1. */
export function fixupGuestSelector(selector: number): number {
  selector &= 0xffff;
  return (selector & 3) === 0 ? selector | 1 : selector;
}

/**
 * set_trap_table(traps): entries up to the one whose address is 0 replace the vCPU's entries
 * for their vectors; a NULL pointer clears the whole table. Returns 0 or -EFAULT.
 */
export function doSetTrapTable(ctx: HypercallContext, args: Uint32Array): number {
  const traps = args[0]!;
  const v = ctx.vcpu;
  if (traps === 0) {
    v.trapTable = [];
    return 0;
  }
  // Entries read before a bad one stay, as Xen copies one at a time.
  const table: TrapInfo[] = v.trapTable ?? [];
  v.trapTable = table;
  // Xen walks an endless list with continuations; one call here reads at most MAX_TRAP_ENTRIES.
  for (let i = 0; i < MAX_TRAP_ENTRIES; i++) {
    const entry = copyFromGuest(v.cpu, traps + i * TRAP_INFO_SIZE, TRAP_INFO_SIZE);
    if (typeof entry === 'number') return -EFAULT;
    const view = new DataView(entry.buffer);
    const address = view.getUint32(4, true);
    if (address === 0) break;
    table[view.getUint8(0)] = {
      flags: view.getUint8(1),
      cs: fixupGuestSelector(view.getUint16(2, true)),
      address,
    };
  }
  return 0;
}

/** stack_switch(ss, esp): the stack a bounce from ring 3 lands on. Always 0. */
export function doStackSwitch(ctx: HypercallContext, args: Uint32Array): number {
  ctx.vcpu.kernelSs = fixupGuestSelector(args[0]!);
  ctx.vcpu.kernelSp = args[1]! >>> 0;
  return 0;
}
