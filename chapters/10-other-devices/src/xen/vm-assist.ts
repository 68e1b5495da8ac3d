// Your working copy for chapter 10, generated from solutions/xen/vm-assist.ts by npx xenlab stage.
// vm_assist: a guest switching on hypervisor help for its memory management: book §2.3, §5;
// Xen xen/common/kernel.c (do_vm_assist), docs/xen-abi.md §5.6.
//
// Chapter 02 records the bits; the assists themselves (writable page tables, extended CR3)
// take effect in the memory-management chapter.

import {
  __HYPERVISOR_vm_assist,
  MAX_VMASST_TYPE,
  VMASST_CMD_disable,
  VMASST_CMD_enable,
} from './abi.ts';
import { EINVAL, ENOSYS } from './errno.ts';
import type { HypercallContext } from './hypercall.ts';
import type { Mechanism } from './mechanism.ts';

/** vm_assist(cmd, type). */
export function doVmAssist(ctx: HypercallContext, args: Uint32Array): number {
  const cmd = args[0]!;
  const type = args[1]!;
  if (type > MAX_VMASST_TYPE) return -EINVAL;
  switch (cmd) {
    case VMASST_CMD_enable:
      ctx.domain.vmAssist |= 1 << type;
      return 0;
    case VMASST_CMD_disable:
      ctx.domain.vmAssist &= ~(1 << type);
      return 0;
    default:
      return -ENOSYS;
  }
}

export const VM_ASSIST_MECHANISM: Mechanism = {
  name: 'vm_assist',
  hypercalls: {
    [__HYPERVISOR_vm_assist]: doVmAssist,
  },
};
