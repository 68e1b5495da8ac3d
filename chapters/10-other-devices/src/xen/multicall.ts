// Your working copy for chapter 10, generated from solutions/xen/multicall.ts by npx xenlab stage.
// Batching hypercalls: multicall: book §5.6; Xen xen/common/multicall.c (do_multicall),
// public/xen.h (multicall_entry_t), docs/xen-abi.md §1.8.
//
// Each 32-byte entry names a hypercall and its arguments; Xen runs them in order through the
// same table as a trapped hypercall and writes each result into the entry. A failing entry does
// not stop the batch: only its result says so. The whole call fails only when the list cannot be
// read or written, and an entry that is itself a multicall fails with -EINVAL. Each entry is
// traced as a sub-call, before the multicall's own record. An iret entry ends the batch: the
// vCPU has left for the frame it popped, and the multicall returns what the iret returned.

import { __HYPERVISOR_iret, __HYPERVISOR_multicall, MULTICALL_ENTRY_SIZE } from './abi.ts';
import { EFAULT, EINVAL, ENOSYS } from './errno.ts';
import { copyFromGuest, writeGuestU32 } from './guest-access.ts';
import { decodeArgs, type HypercallContext } from './hypercall.ts';
import { HYPERCALL_TABLE } from './hypercall-table.ts';
import type { Mechanism } from './mechanism.ts';

/** One entry's call; a multicall inside a multicall is refused, as Xen refuses re-entry. */
function multicallEntry(ctx: HypercallContext, op: number, args: Uint32Array): number {
  const trace = ctx.xen.traceSink;
  const entry = HYPERCALL_TABLE[op];
  const decoded = trace !== null && entry !== undefined ? decodeArgs(entry, args) : null;
  const handler = ctx.xen.hypercalls[op];
  let result: number;
  if (op === __HYPERVISOR_multicall) result = -EINVAL;
  else result = handler === undefined ? -ENOSYS : handler(ctx, args);
  if (trace !== null) {
    const name = entry?.name ?? `hypercall_${op}`;
    const { domid } = ctx.domain;
    const shown = decoded ?? [`eax=${op}`];
    trace({ domid, vcpu: ctx.vcpu.id, number: op, name, args: shown, result, subcall: true });
  }
  return result;
}

/** multicall(call_list, nr_calls). */
export function doMulticall(ctx: HypercallContext, args: Uint32Array): number {
  const [list, count] = [args[0]!, args[1]!];
  const cpu = ctx.vcpu.cpu;
  for (let i = 0; i < count; i++) {
    const entryVa = list + i * MULTICALL_ENTRY_SIZE;
    const entry = copyFromGuest(cpu, entryVa, MULTICALL_ENTRY_SIZE);
    if (typeof entry === 'number') return -EFAULT;
    const view = new DataView(entry.buffer);
    const callArgs = new Uint32Array(6);
    for (let a = 0; a < 6; a++) callArgs[a] = view.getUint32(8 + a * 4, true);
    const op = view.getUint32(0, true);
    const result = multicallEntry(ctx, op, callArgs);
    const written = writeGuestU32(cpu, entryVa + 4, result >>> 0);
    // After an iret the result is written back if it can be (best effort): Xen's mc_exit.
    if (op === __HYPERVISOR_iret) return result;
    if (written !== 0) return -EFAULT;
  }
  return 0;
}

export const MULTICALL_MECHANISM: Mechanism = {
  name: 'multicall',
  hypercalls: { [__HYPERVISOR_multicall]: doMulticall },
};
