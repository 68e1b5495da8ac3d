// Chapter 05's exercises: page ownership and types, pinning, changing a mapping, the
// reservation, the bounce frame and the book's shared-info exercise (book §5.1–5.8).

import type { Exercise } from '../exercise.ts';

export const EXERCISES: Exercise[] = [
  {
    id: '05-validate-l1e',
    title: 'Check an L1 entry against ownership and types',
    points: 15,
    files: ['src/xen/mm.ts'],
    section: '5.2',
    hints: [
      'getPageFromL1e decides whether one page-table entry may exist. A non-present entry is ' +
        'always fine (return 0). A present one must not set a forbidden flag: G (0x100) or the ' +
        'cache bits PWT/PCD/PAT (0x98) in the low word, bits 44–62 (0x7ffff000) in the high.',
      'The frame it maps is pteMfn(lo, hi). It must belong to `domid`: getPage checks the owner ' +
        'and takes a general reference. A writable entry (_PAGE_RW) needs more than that: a ' +
        'writable-type reference, which getPageAndType(heap, mfn, domid, PGT_writable_page) takes.',
      'Every refusal is -EINVAL. A table page can never take the writable type while it is a ' +
        'table, which is exactly why a guest cannot map its page tables writable.',
    ],
    fuel: 2_000_000,
  },
  {
    id: '05-page-type',
    title: 'Take a type reference, validating a new page table',
    points: 20,
    files: ['src/xen/mm.ts'],
    section: '5.2',
    hints: [
      'A frame with type references (heap.typeCount[mfn] > 0) keeps its type: a request for ' +
        'the same type just counts one more, any other type is -EINVAL.',
      'A frame with no type references may take the new type. Set heap.type and a count of 1 ' +
        'before validating, so that an entry pointing back at the frame sees it in use. Then ' +
        'allocPageType(heap, mfn, type) validates it — a table entry by entry, a descriptor ' +
        'page descriptor by descriptor; on failure reset the frame to PGT_none with count 0 ' +
        'and return the error.',
      'A frame that stops being writable may still be writable in some TLB: set ' +
        'heap.deferredTlbFlush when the old type was PGT_writable_page and the new one is not.',
    ],
    fuel: 2_000_000,
  },
  {
    id: '05-pin-table',
    title: 'Pin a page table',
    points: 10,
    files: ['src/xen/mm.ts'],
    section: '5.7',
    hints: [
      'Pinning is one more reference of the table type, held until MMUEXT_UNPIN_TABLE: ' +
        'getPageAndType(heap, mfn, domid, type) validates the frame if this is its first use.',
      'A frame pinned already cannot be pinned again: give the reference back ' +
        '(putPageAndType) and return -EINVAL. Otherwise mark heap.pinned[mfn] = 1.',
    ],
    fuel: 2_000_000,
  },
  {
    id: '05-update-va-mapping',
    title: 'update_va_mapping',
    points: 15,
    files: ['src/xen/mmu-update.ts'],
    section: '5.7',
    hints: [
      'The guest names the entry by the virtual address it maps: refuse addresses in the ' +
        'hypervisor hole (va >= HYPERVISOR_VIRT_START) with -EINVAL.',
      'guestL1eAddress walks the running tables (CR3 → L3 → L2 → L1) and gives the machine ' +
        'address of the L1 entry, or -1 when there is no validated L1 there (-EINVAL).',
      'modPageTableEntry does the rest: it checks the new entry for frames of pg.domid, takes ' +
        'its references, writes it and drops the old entry’s references. The flush after it is ' +
        'already done by doUpdateVaMapping.',
    ],
    fuel: 2_000_000,
  },
  {
    id: '05-memory-reservation',
    title: 'Grow and shrink a reservation',
    points: 15,
    files: ['src/xen/memory-op.ts'],
    section: '5.5',
    hints: [
      'Loop over the extents from `start`; the slot of extent i is r.extentStart + i * 4 in ' +
        'guest memory (readGuestU32 / writeGuestU32). Stop at the first one that fails and ' +
        'return how many were done: the count is the result.',
      'increase_reservation and populate_physmap: stop at d.maxPages; heap.alloc(1, d.domid) ' +
        'gives a frame; write its MFN into the slot; count d.totPages. populate_physmap reads ' +
        'the PFN from the slot first, records d.p2m[pfn] = mfn and sets the M2P (setM2p).',
      'decrease_reservation: the slot holds an MFN; it must be the domain’s, not shared_info ' +
        '(d.xenFrames), and mapped nowhere (heap.count 0). Invalidate its M2P entry and its ' +
        'd.p2m entry, heap.release it, and count d.totPages down.',
    ],
    fuel: 2_000_000,
  },
  {
    id: '05-bounce-frame',
    title: 'Bounce a page fault to the guest',
    points: 15,
    files: ['src/xen/bounce.ts'],
    section: '5.7.2',
    hints: [
      'Build the frame as a list, lowest address first: [error code if ≥ 0], EIP, CS with the ' +
        'saved upcall mask in bits 16–23, EFLAGS with IF = !mask, and — only when cpu.cpl is ' +
        'not 1 — ESP and SS of the interrupted ring-3 stack.',
      'From ring 1 the frame goes below the current SS:ESP; from ring 3 below v.kernelSp on ' +
        'v.kernelSs (stack_switch). Translate every slot with translateForHost(cpu, linear, ' +
        'true) before writing anything: if one is -1, return false and change nothing.',
      'Then enter the handler: CS from ti.cs (descriptorOf + setCache), CPL ti.cs & 3, ESP ' +
        'below the frame, EIP = ti.address, TF/VM/RF/NT cleared, and the upcall mask set when ' +
        'ti.flags has TI_MASK_EVENTS.',
    ],
    fuel: 2_000_000,
  },
  {
    id: '05-map-shared-info',
    title: 'Map the shared info page (the book’s exercise)',
    points: 10,
    files: ['src/guests/mapshared.asm'],
    section: '5.8',
    hints: [
      'start_info.shared_info (offset 36) is the machine address of the shared info page. The ' +
        'guest reserves a page-aligned page in its image (shared_info_page) whose L1 entry ' +
        'exists: rewrite that entry with update_va_mapping.',
      'update_va_mapping takes EBX = the virtual address, ECX:EDX = the new 64-bit entry (the ' +
        'machine address ORed with present, writable: 0x3), ESI = flags (UVMF_INVLPG, 2).',
    ],
    fuel: 2_000_000,
  },
];
