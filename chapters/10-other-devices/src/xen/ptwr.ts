// Your working copy for chapter 10, generated from solutions/xen/ptwr.ts by npx xenlab stage.
// Writable page tables: a guest's plain store into one of its own L1 tables, checked and
// committed by Xen: book §5.4; Xen xen/arch/x86/mm.c (ptwr_do_page_fault,
// ptwr_emulated_update), docs/xen-abi.md §5.6 (VMASST_TYPE_writable_pagetables).
//
// The L1 is mapped read-only, so the store faults. Xen emulates it: it lets exactly that one
// instruction run with the page open, closes the page again, and treats what changed as an
// mmu_update of that entry — validated, references moved — or, if the new entry is refused,
// puts everything back and hands the guest its page fault. Xen decodes the instruction with
// its x86 emulator; letting the emulated CPU execute it is our equivalent.

import {
  ExitReason,
  getEflags,
  invalidatePage,
  PAGE_SIZE,
  PF_P,
  PF_U,
  PF_W,
  run,
  setEflags,
  VEC_PF,
} from '../../../../sim/host.ts';
import { _PAGE_PRESENT, _PAGE_RW, VMASST_TYPE_writable_pagetables } from './abi.ts';
import type { Vcpu } from './domain.ts';
import type { Heap } from './heap.ts';
import { afterPageTableChange } from './ldt.ts';
import type { Mechanism } from './mechanism.ts';
import { guestL1eAddress, isValidatedL1, modPageTableEntry } from './mm.ts';
import { pteMfn } from './page.ts';

/**
 * A write fault of `v`'s kernel on a present page: if the page is one of its validated L1s and
 * the assist is on, emulate the store. Returns true when the store was committed (the vCPU
 * continues after it), false when the fault is the guest's to handle.
 */
export function ptwrDoPageFault(heap: Heap, v: Vcpu): boolean {
  const cpu = v.cpu;
  const d = v.domain;
  if ((d.vmAssist & (1 << VMASST_TYPE_writable_pagetables)) === 0) return false;
  if ((cpu.exitErrorCode & (PF_P | PF_W | PF_U)) !== (PF_P | PF_W)) return false;
  const va = cpu.cr2;
  const pte = guestL1eAddress(heap, cpu, va);
  if (pte < 0) return false;
  const mem = heap.mem;
  const pteLo = mem.read32(pte) >>> 0;
  const l1 = pteMfn(pteLo, mem.read32(pte + 4));
  if (!isValidatedL1(heap, l1) || heap.owner[l1] !== d.domid) return false;

  // One instruction with the page open. The entry that opens it may sit in this very L1 (a
  // bootstrap L1 maps itself), so both snapshots are taken while it is open.
  const regs = cpu.reg32.slice();
  const [eip, eflags] = [cpu.eip, getEflags(cpu)];
  const fault = [cpu.exitVector, cpu.exitErrorCode, cpu.exitHasErrorCode, cpu.cr2] as const;
  mem.write32(pte, pteLo | _PAGE_RW);
  invalidatePage(cpu, va);
  const before = mem.readBytes(l1 * PAGE_SIZE, PAGE_SIZE);
  const reason = run(cpu, 1);
  const after = mem.readBytes(l1 * PAGE_SIZE, PAGE_SIZE);
  mem.write32(pte, pteLo);
  invalidatePage(cpu, va);
  // The opening entry itself (when this L1 maps itself) is ours: the CPU may have set its
  // Accessed and Dirty bits, and it goes back to what it was. A store to it is refused.
  let storedToOpener = false;
  if (Math.floor(pte / PAGE_SIZE) === l1) {
    const [b, a, at] = [new DataView(before.buffer), new DataView(after.buffer), pte % PAGE_SIZE];
    storedToOpener =
      ((a.getUint32(at, true) ^ b.getUint32(at, true)) & ~0x60) !== 0 ||
      a.getUint32(at + 4, true) !== b.getUint32(at + 4, true);
    b.setUint32(at, pteLo, true);
    a.setUint32(at, pteLo, true);
  }

  const changed: number[] = [];
  for (let slot = 0; slot < PAGE_SIZE / 8; slot++) {
    for (let b = 0; b < 8; b++) {
      if (before[slot * 8 + b] !== after[slot * 8 + b]) {
        changed.push(slot);
        break;
      }
    }
  }
  // Put the page back as it was; the one changed entry goes in through the checks.
  mem.writeBytes(l1 * PAGE_SIZE, before);
  const undo = () => {
    cpu.reg32.set(regs);
    cpu.eip = eip;
    setEflags(cpu, eflags, 0xffffffff);
    [cpu.exitVector, cpu.exitErrorCode, cpu.exitHasErrorCode, cpu.cr2] = fault;
    cpu.exitSoftware = false;
    return false;
  };
  if (reason !== ExitReason.Fuel || storedToOpener || changed.length !== 1) return undo();
  const slot = changed[0]!;
  const view = new DataView(after.buffer);
  let lo = view.getUint32(slot * 8, true);
  const hi = view.getUint32(slot * 8 + 4, true);
  const ma = l1 * PAGE_SIZE + slot * 8;
  let rc = modPageTableEntry(heap, ma, lo, hi, d.domid);
  const onlyHigh =
    view.getUint32(slot * 8, true) === new DataView(before.buffer).getUint32(slot * 8, true);
  if (rc !== 0 && onlyHigh) {
    // The upper half of a PAE entry, written first: keep it, not present, for the lower half.
    lo &= ~_PAGE_PRESENT;
    rc = modPageTableEntry(heap, ma, lo, hi, d.domid);
  }
  if (rc !== 0) return undo();
  afterPageTableChange(heap, d);
  return true;
}

/** A store into a validated L1 under the assist is committed before the guest sees a fault. */
export const PTWR_MECHANISM: Mechanism = {
  name: 'writable page tables',
  guestException: (xen, v) =>
    v.cpu.exitVector === VEC_PF && !v.cpu.exitSoftware && ptwrDoPageFault(xen.heap, v),
};
