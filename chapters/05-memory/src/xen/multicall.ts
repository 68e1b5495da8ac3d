// Your working copy for chapter 05, generated from solutions/xen/multicall.ts by npx xenlab stage.
// Batching hypercalls: multicall: book §5.6; Xen xen/common/multicall.c (do_multicall),
// public/xen.h (multicall_entry_t), xen-abi §1.8.
//
// Each 32-byte entry names a hypercall and its arguments; Xen runs them in order and writes
// each result into the entry. A failing entry does not stop the batch: only its result says so.
// The whole call fails only when the list cannot be read or written, or from inside a multicall.

import { MULTICALL_ENTRY_SIZE } from './abi.ts';
import { EFAULT, EINVAL, ENOSYS } from './errno.ts';
import { copyFromGuest, writeGuestU32 } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';
import { HYPERCALL_TABLE } from './hypercall-table.ts';

const __HYPERVISOR_multicall = 13;
/** Set while a batch runs: Xen refuses a multicall inside a multicall. */
let running = false;

/** multicall(call_list, nr_calls). */
export function doMulticall(ctx: HypercallContext, args: Uint32Array): number {
  if (running) return -EINVAL;
  const [list, count] = [args[0]!, args[1]!];
  const cpu = ctx.vcpu.cpu;
  running = true;
  try {
    for (let i = 0; i < count; i++) {
      const entryVa = list + i * MULTICALL_ENTRY_SIZE;
      const entry = copyFromGuest(cpu, entryVa, MULTICALL_ENTRY_SIZE);
      if (typeof entry === 'number') return -EFAULT;
      const view = new DataView(entry.buffer);
      const op = view.getUint32(0, true);
      const callArgs = new Uint32Array(6);
      for (let a = 0; a < 6; a++) callArgs[a] = view.getUint32(8 + a * 4, true);
      const handler = HYPERCALL_TABLE[op]?.handler ?? null;
      let result: number;
      if (op === __HYPERVISOR_multicall) result = -EINVAL;
      else result = handler === null ? -ENOSYS : handler(ctx, callArgs);
      if (writeGuestU32(cpu, entryVa + 4, result >>> 0) !== 0) return -EFAULT;
    }
    return 0;
  } finally {
    running = false;
  }
}
