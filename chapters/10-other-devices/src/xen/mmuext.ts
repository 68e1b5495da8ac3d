// Your working copy for chapter 10, generated from solutions/xen/mmuext.ts by npx xenlab stage.
// Extended MMU operations: pinning, the page-table base, TLB flushes, page clear and copy:
// book §5.7; Xen xen/arch/x86/mm.c (do_mmuext_op), public/xen.h, docs/xen-abi.md §5.4.
//
// Each op in the batch is read, acted on and counted; the first failure stops the batch and its
// error is returned, with `done` telling the guest how far it got (as mmu_update).

import { type Cpu, flushTlb, invalidatePage, PAGE_SIZE } from '../../../../sim/host.ts';
import {
  __HYPERVISOR_mmuext_op,
  MMUEXT_CLEAR_PAGE,
  MMUEXT_COPY_PAGE,
  MMUEXT_FLUSH_CACHE,
  MMUEXT_FLUSH_CACHE_GLOBAL,
  MMUEXT_INVLPG_ALL,
  MMUEXT_INVLPG_LOCAL,
  MMUEXT_INVLPG_MULTI,
  MMUEXT_NEW_BASEPTR,
  MMUEXT_OP_SIZE,
  MMUEXT_PIN_L1_TABLE,
  MMUEXT_PIN_L2_TABLE,
  MMUEXT_PIN_L3_TABLE,
  MMUEXT_PIN_L4_TABLE,
  MMUEXT_SET_LDT,
  MMUEXT_TLB_FLUSH_ALL,
  MMUEXT_TLB_FLUSH_LOCAL,
  MMUEXT_TLB_FLUSH_MULTI,
  MMUEXT_UNPIN_TABLE,
} from './abi.ts';
import type { Domain } from './domain.ts';
import { EFAULT, EINVAL, ENOSYS } from './errno.ts';
import { copyFromGuest, writeGuestU32 } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';
import { afterPageTableChange, setLdt } from './ldt.ts';
import type { Mechanism } from './mechanism.ts';
import {
  getPage,
  getPageAndType,
  newBaseptr,
  PGT_l1_page_table,
  PGT_l2_page_table,
  PGT_l3_page_table,
  PGT_writable_page,
  pinTable,
  putPage,
  putPageAndType,
  unpinTable,
} from './mm.ts';
import { domainCpus, pgOwner, vcpusInMask } from './mmu-update.ts';

const PIN_TYPES: Readonly<Record<number, number>> = {
  [MMUEXT_PIN_L1_TABLE]: PGT_l1_page_table,
  [MMUEXT_PIN_L2_TABLE]: PGT_l2_page_table,
  [MMUEXT_PIN_L3_TABLE]: PGT_l3_page_table,
};

/** Flushes the TLBs of `cpus`, whole or (linear ≥ 0) one page. */
function flush(cpus: readonly Cpu[], linear: number): void {
  for (const cpu of cpus) {
    if (linear < 0) flushTlb(cpu, false);
    else invalidatePage(cpu, linear);
  }
}

/** MMUEXT_CLEAR_PAGE / MMUEXT_COPY_PAGE: the destination must be able to be writable. */
function clearOrCopy(ctx: HypercallContext, pg: Domain, dst: number, src: number): number {
  const heap = ctx.xen.heap;
  const rc = getPageAndType(heap, dst, pg.domid, PGT_writable_page);
  if (rc !== 0) return rc;
  if (src < 0) {
    heap.mem.fill(dst * PAGE_SIZE, PAGE_SIZE, 0);
  } else if (getPage(heap, src, pg.domid)) {
    heap.mem.writeBytes(dst * PAGE_SIZE, heap.mem.readBytes(src * PAGE_SIZE, PAGE_SIZE));
    putPage(heap, src);
  } else {
    putPageAndType(heap, dst);
    return -EINVAL;
  }
  putPageAndType(heap, dst);
  return 0;
}

/** One op: cmd, arg1 (an mfn or a linear address), arg2 (a vCPU mask pointer or a source). */
function mmuextOne(ctx: HypercallContext, pg: Domain, cmd: number, arg1: number, arg2: number) {
  const heap = ctx.xen.heap;
  const cpu = ctx.vcpu.cpu;
  switch (cmd) {
    case MMUEXT_PIN_L1_TABLE:
    case MMUEXT_PIN_L2_TABLE:
    case MMUEXT_PIN_L3_TABLE:
      return pinTable(heap, arg1, pg.domid, PIN_TYPES[cmd]!);
    case MMUEXT_UNPIN_TABLE:
      return unpinTable(heap, arg1, pg.domid);
    case MMUEXT_NEW_BASEPTR:
      return newBaseptr(heap, cpu, arg1, ctx.domain.domid);
    case MMUEXT_TLB_FLUSH_LOCAL:
      flush([cpu], -1);
      return 0;
    case MMUEXT_INVLPG_LOCAL:
      flush([cpu], arg1);
      return 0;
    case MMUEXT_TLB_FLUSH_MULTI:
    case MMUEXT_INVLPG_MULTI: {
      const targets = vcpusInMask(ctx, arg2);
      if (typeof targets === 'number') return targets;
      flush(targets, cmd === MMUEXT_INVLPG_MULTI ? arg1 : -1);
      return 0;
    }
    case MMUEXT_TLB_FLUSH_ALL:
      flush(domainCpus(ctx.domain), -1);
      return 0;
    case MMUEXT_INVLPG_ALL:
      flush(domainCpus(ctx.domain), arg1);
      return 0;
    case MMUEXT_FLUSH_CACHE:
    case MMUEXT_FLUSH_CACHE_GLOBAL:
      // WBINVD is for domains with hardware access; caches are not modelled, so it is a no-op.
      return ctx.domain.privileged ? 0 : -EINVAL;
    case MMUEXT_SET_LDT:
      return setLdt(heap, ctx.vcpu, arg1, arg2);
    case MMUEXT_CLEAR_PAGE:
      return clearOrCopy(ctx, pg, arg1, -1);
    case MMUEXT_COPY_PAGE:
      return clearOrCopy(ctx, pg, arg1, arg2);
    default:
      // MMUEXT_PIN_L4_TABLE and NEW_USER_BASEPTR are 64-bit only, MARK/UNMARK_SUPER need
      // superpages (which Xen disallows by default).
      return cmd === MMUEXT_PIN_L4_TABLE ? -EINVAL : -ENOSYS;
  }
}

/** mmuext_op(ops, count, done, foreigndom). */
export function doMmuextOp(ctx: HypercallContext, args: Uint32Array): number {
  const [ops, count, donePtr, foreigndom] = [args[0]!, args[1]!, args[2]!, args[3]!];
  const pg = pgOwner(ctx, foreigndom & 0xffff);
  if (typeof pg === 'number') return pg;
  const cpu = ctx.vcpu.cpu;
  let rc = 0;
  let done = 0;
  for (; done < count; done++) {
    const op = copyFromGuest(cpu, ops + done * MMUEXT_OP_SIZE, MMUEXT_OP_SIZE);
    if (typeof op === 'number') {
      rc = -EFAULT;
      break;
    }
    const view = new DataView(op.buffer);
    rc = mmuextOne(
      ctx,
      pg,
      view.getUint32(0, true),
      view.getUint32(4, true),
      view.getUint32(8, true),
    );
    if (rc !== 0) break;
  }
  afterPageTableChange(ctx.xen.heap, ctx.domain);
  if (donePtr !== 0 && writeGuestU32(cpu, donePtr, done) !== 0) return -EFAULT;
  return rc;
}

export const MMUEXT_OP_MECHANISM: Mechanism = {
  name: 'mmuext_op',
  hypercalls: {
    [__HYPERVISOR_mmuext_op]: doMmuextOp,
  },
};
