// Your working copy for chapter 10, generated from solutions/xen/trap-table.ts by npx xenlab stage.
// The virtual IDT and the ring-1 stack: set_trap_table and stack_switch: book §5.7.2,
// appendix A.3; Xen xen/arch/x86/traps.c (do_set_trap_table), x86_32/traps.c
// (do_stack_switch), public/arch-x86/xen.h (trap_info), docs/xen-abi.md §4.1, §4.3.
//
// A PV kernel cannot load an IDT: it hands Xen a table of handlers instead, and Xen delivers
// exceptions to them with a bounce frame (bounce.ts). Selectors with RPL 0 are raised to 1,
// because the guest kernel runs in ring 1.

import { __HYPERVISOR_set_trap_table, __HYPERVISOR_stack_switch, TRAP_INFO_SIZE } from './abi.ts';
import { EFAULT } from './errno.ts';
import { copyFromGuest } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';
import { type Mechanism, perVcpu } from './mechanism.ts';

/** One virtual IDT entry (trap_info_t): who handles `vector`, from which rings, masking. */
export interface TrapInfo {
  /** Bits 0–1: the DPL a software INT needs; bit 2: mask events on entry. */
  flags: number;
  cs: number;
  address: number;
}

/** A vCPU's virtual IDT and ring-1 stack (Xen: struct pv_vcpu's trap_ctxt, kernel_ss/sp). */
export interface PvTraps {
  /** The entries set_trap_table filled, by vector. */
  table: TrapInfo[];
  /** The stack a bounce that interrupts ring 3 lands on (stack_switch). */
  kernelSs: number;
  kernelSp: number;
}

/** `v`'s virtual IDT and kernel stack: empty until the guest sets them. */
export const pvTraps = perVcpu((): PvTraps => ({ table: [], kernelSs: 0, kernelSp: 0 }));

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
  const state = pvTraps(v);
  if (traps === 0) {
    state.table = [];
    return 0;
  }
  // Entries read before a bad one stay, as Xen copies one at a time.
  const table = state.table;
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
  const state = pvTraps(ctx.vcpu);
  state.kernelSs = fixupGuestSelector(args[0]!);
  state.kernelSp = args[1]! >>> 0;
  return 0;
}

export const TRAP_TABLE_MECHANISM: Mechanism = {
  name: 'the virtual IDT',
  hypercalls: {
    [__HYPERVISOR_set_trap_table]: doSetTrapTable,
    [__HYPERVISOR_stack_switch]: doStackSwitch,
  },
};
