// Mutants of chapter 05's exercises (grader/mutants/index.ts).

import type { Mutant } from './mutant.ts';

// Not here because no chapter test can see it yet: dropping 05-page-type's deferred TLB flush
// (a stale writable translation of a frame that became a page table), and refusing
// update_va_mapping in Xen's hole only at the L1 lookup (the hole holds no guest L1, so the
// explicit check is defence in depth).

export const MUTANTS_05: readonly Mutant[] = [
  // 05-validate-l1e
  {
    name: 'l1e-disallowed-flags-accepted',
    exercise: '05-validate-l1e',
    file: 'xen/mm.ts',
    search: 'if ((lo & L1_DISALLOW_NO_IO) !== 0 || (hi & HI_DISALLOW) !== 0) return -EINVAL;',
    replace: 'if ((hi & HI_DISALLOW) !== 0) return -EINVAL;',
    why: 'an L1 entry with a cache attribute for I/O (PWT, PCD, PAT) is refused',
  },
  {
    name: 'l1e-high-bits-accepted',
    exercise: '05-validate-l1e',
    file: 'xen/mm.ts',
    search: 'if ((lo & L1_DISALLOW_NO_IO) !== 0 || (hi & HI_DISALLOW) !== 0) return -EINVAL;',
    replace: 'if ((lo & L1_DISALLOW_NO_IO) !== 0) return -EINVAL;',
    why: 'the high half of a PAE entry may only hold frame bits and NX',
  },
  {
    name: 'l1e-writable-without-type',
    exercise: '05-validate-l1e',
    file: 'xen/mm.ts',
    search:
      'if ((lo & _PAGE_RW) !== 0) return getPageAndType(heap, mfn, domid, PGT_writable_page);',
    replace: '',
    why: 'a writable mapping takes the writable type, so a page table can never also be writable',
  },
  {
    name: 'l1e-owner-unchecked',
    exercise: '05-validate-l1e',
    file: 'xen/mm.ts',
    search: 'return getPage(heap, mfn, domid) ? 0 : -EINVAL;',
    replace: 'return 0;',
    why: 'a read-only mapping of another domain’s frame is refused, and the reference taken',
  },
  // 05-page-type
  {
    name: 'page-type-no-conflict',
    exercise: '05-page-type',
    file: 'xen/mm.ts',
    search: '    if (heap.type[mfn] !== type) return -EINVAL;\n',
    replace: '',
    why: 'a frame in use as one type cannot be taken as another (a page table as writable)',
  },
  {
    name: 'page-type-no-rollback',
    exercise: '05-page-type',
    file: 'xen/mm.ts',
    search:
      '  if (rc !== 0) {\n    heap.type[mfn] = PGT_none;\n    heap.typeCount[mfn] = 0;\n  }\n',
    replace: '',
    why: 'a frame that fails validation keeps no type and no count',
  },
  {
    name: 'page-type-not-validated',
    exercise: '05-page-type',
    file: 'xen/mm.ts',
    search: 'const rc = allocPageType(heap, mfn, type);',
    replace: 'const rc = 0;',
    why: 'a frame becoming a page table is validated entry by entry',
  },
  // 05-pin-table
  {
    name: 'pin-twice',
    exercise: '05-pin-table',
    file: 'xen/mm.ts',
    search:
      '  if (heap.pinned[mfn] !== 0) {\n    putPageAndType(heap, mfn);\n    return -EINVAL;\n  }\n',
    replace: '',
    why: 'a table already pinned is refused with -EINVAL',
  },
  {
    name: 'pin-twice-leaks-reference',
    exercise: '05-pin-table',
    file: 'xen/mm.ts',
    search: '  if (heap.pinned[mfn] !== 0) {\n    putPageAndType(heap, mfn);\n',
    replace: '  if (heap.pinned[mfn] !== 0) {\n',
    why: 'a refused pin gives back the type reference it took',
  },
  {
    name: 'pin-without-validation',
    exercise: '05-pin-table',
    file: 'xen/mm.ts',
    search:
      '  const rc = getPageAndType(heap, mfn, domid, type);\n  if (rc !== 0) return rc;\n  if (heap.pinned',
    replace: '  if (heap.pinned',
    why: 'pinning validates the table and takes a type reference',
  },
  // 05-update-va-mapping
  {
    name: 'va-mapping-no-l1-succeeds',
    exercise: '05-update-va-mapping',
    file: 'xen/mmu-update.ts',
    search: '(ma / PAGE_SIZE))) return -EINVAL;\n  return modPageTableEntry',
    replace: '(ma / PAGE_SIZE))) return 0;\n  return modPageTableEntry',
    why: 'an address with no validated L1 cannot be mapped: -EINVAL, not success',
  },
  {
    name: 'va-mapping-unchecked',
    exercise: '05-update-va-mapping',
    file: 'xen/mmu-update.ts',
    search: 'return modPageTableEntry(heap, ma, lo, hi, pg.domid);',
    replace: 'heap.mem.write32(ma, lo);\n  heap.mem.write32(ma + 4, hi);\n  return 0;',
    why: 'the new entry is validated and the references move from the old frame to the new',
  },
  {
    name: 'va-mapping-refusal-ignored',
    exercise: '05-update-va-mapping',
    file: 'xen/mmu-update.ts',
    search: 'return modPageTableEntry(heap, ma, lo, hi, pg.domid);',
    replace: 'modPageTableEntry(heap, ma, lo, hi, pg.domid);\n  return 0;',
    why: 'an entry Xen refuses (a foreign frame, a page table made writable) is an error for the guest',
  },
  // 05-memory-reservation
  {
    name: 'decrease-xen-frame',
    exercise: '05-memory-reservation',
    file: 'xen/memory-op.ts',
    search: 'heap.owner[mfn] !== d.domid || d.xenFrames.includes(mfn)) {',
    replace: 'heap.owner[mfn] !== d.domid) {',
    why: 'a frame Xen still uses (shared info) is never given back',
  },
  {
    name: 'decrease-referenced-frame-freed-at-once',
    exercise: '05-memory-reservation',
    file: 'xen/memory-op.ts',
    search: 'if (heap.count[mfn] === 0) heap.release([mfn]);',
    replace: 'heap.release([mfn]);',
    why: 'a frame still mapped goes back to the heap only with its last reference',
  },
  {
    name: 'decrease-pinned-frame-kept-pinned',
    exercise: '05-memory-reservation',
    file: 'xen/memory-op.ts',
    search: 'if (heap.pinned[mfn] === 1) {',
    replace: 'if (heap.pinned[mfn] === 2) {',
    why: 'a pinned table given back is unpinned, or it would never be freed',
  },
  {
    name: 'decrease-other-domain-frame',
    exercise: '05-memory-reservation',
    file: 'xen/memory-op.ts',
    search: 'if (mfn >= heap.owner.length || heap.owner[mfn] !== d.domid ||',
    replace: 'if (mfn >= heap.owner.length ||',
    why: 'a domain can give back only its own frames',
  },
  {
    name: 'increase-past-max-pages',
    exercise: '05-memory-reservation',
    file: 'xen/memory-op.ts',
    search: ' || d.totPages >= d.maxPages) break;',
    replace: ') break;',
    why: 'a domain grows only up to max_pages',
  },
  {
    name: 'populate-no-m2p',
    exercise: '05-memory-reservation',
    file: 'xen/memory-op.ts',
    search: '      setM2p(heap, mfn, gpfn);\n',
    replace: '',
    why: 'populate_physmap updates the M2P as well as the P2M',
  },
  // 05-bounce-frame
  {
    name: 'bounce-mask-not-saved',
    exercise: '05-bounce-frame',
    file: 'xen/bounce.ts',
    search: 'frame.push(cpu.eip, cpu.segSelector[CS]! | (savedMask << 16));',
    replace: 'frame.push(cpu.eip, cpu.segSelector[CS]!);',
    why: 'the saved upcall mask rides in the upper half of the CS slot',
  },
  {
    name: 'bounce-if-not-from-mask',
    exercise: '05-bounce-frame',
    file: 'xen/bounce.ts',
    search: 'frame.push((eflags & ~FLAG_IF) | (savedMask !== 0 ? 0 : FLAG_IF));',
    replace: 'frame.push(eflags);',
    why: 'a PV guest’s IF is the inverse of its upcall mask',
  },
  {
    name: 'bounce-no-stack-switch',
    exercise: '05-bounce-frame',
    file: 'xen/bounce.ts',
    search: 'if (cpu.cpl !== 1) {',
    replace: 'if (false) {',
    why: 'from user mode the frame goes on the kernel stack (set_trap_table/stack_switch), with ESP and SS',
  },
  {
    name: 'bounce-no-error-code',
    exercise: '05-bounce-frame',
    file: 'xen/bounce.ts',
    search: 'if (errorCode >= 0) frame.push(errorCode);',
    replace: '',
    why: 'a page fault’s frame carries its error code',
  },
  {
    name: 'bounce-frame-reversed',
    exercise: '05-bounce-frame',
    file: 'xen/bounce.ts',
    search: 'mem.write32(slots[i]!, value >>> 0);',
    replace: 'mem.write32(slots[frame.length - 1 - i]!, value >>> 0);',
    why: 'the frame is laid out as the CPU pushes it: EIP at the lowest address',
  },
  {
    name: 'bounce-events-not-masked',
    exercise: '05-bounce-frame',
    file: 'xen/bounce.ts',
    search: 'if ((ti.flags & TI_MASK_EVENTS) !== 0) mem.write8(maskAddr, 1);',
    replace: '',
    why: 'an interrupt-gate trap (TI_MASK_EVENTS) masks events on entry',
  },
  // 05-map-shared-info
  {
    name: 'map-shared-info-read-only',
    exercise: '05-map-shared-info',
    file: 'guests/mapshared.asm',
    search: 'or ecx, 3                     ; _PAGE_PRESENT | _PAGE_RW',
    replace: 'or ecx, 1',
    why: 'the guest writes the shared info page (event masks): it maps it writable',
  },
  {
    name: 'map-shared-info-no-invlpg',
    exercise: '05-map-shared-info',
    file: 'guests/mapshared.asm',
    search: 'mov esi, UVMF_INVLPG',
    replace: 'xor esi, esi',
    why: 'without a flush the TLB may still hold the old translation of the page',
  },
  {
    name: 'map-shared-info-high-half-garbage',
    exercise: '05-map-shared-info',
    file: 'guests/mapshared.asm',
    search: '  xor edx, edx                  ; high half of the PAE entry\n',
    replace: '',
    why: 'the high half of the PAE entry is EDX: whatever it held becomes frame bits',
  },
];
