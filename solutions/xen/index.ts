// The hypervisor's table of contents (book ch. 2). Reading order:
//   abi, errno            Xen's public ABI: constants and layouts (public/*.h), errno values
//   heap, x86-desc        machine frames; Xen's own GDT, IDT and TSS in the hole
//   domain, xen           domains, vCPUs and their lifecycle; the hypervisor and domain control
//   elf, builder          a kernel image (ELF + Xen notes) laid out into a new domain
//   traps, hypercall,     entering Xen: trap handling and the crash report, hypercall dispatch,
//   hypercall-table,      the table of every hypercall, guest memory access
//   guest-access
//   console, sched,       the chapter-02 hypercalls
//   version, vm-assist
//   schedule              running the vCPUs
// xenlab: file from 02
// xenlab: region time-contents from 03
//   shared-info, time     the shared info page, system time, vcpu_time_info, the wall clock
//   platform              platform_op: the toolstack sets the time of day (chapter 03)
//   page                  PAE entries: the frame an entry names, the walk to an L1 entry
// xenlab: end time-contents
// xenlab: region mm-contents from 05
//   mm                    page types, counts and PAE validation; the M2P       (chapter 05)
//   mmu-update, mmuext,   changing page tables; pinning, CR3, flushes
//   memory-op, multicall  reservations and the balloon; batches of hypercalls
//   trap-table, bounce    the virtual IDT and the bounce frame (#PF to the guest)
//   ptwr                  the writable-pagetables assist
//   descriptor, ldt       guest descriptors: update_descriptor, MMUEXT_SET_LDT
// xenlab: end mm-contents

export * from './abi.ts';
// xenlab: region bounce-export from 05
export * from './bounce.ts';
// xenlab: end bounce-export
export * from './builder.ts';
export * from './console.ts';
// xenlab: region descriptor-export from 05
export * from './descriptor.ts';
// xenlab: end descriptor-export
// xenlab: region dom0-export from 04
export * from './dom0.ts';
// xenlab: end dom0-export
export * from './domain.ts';
export * from './elf.ts';
export * from './errno.ts';
// xenlab: region index-grant-tables from 04
// Chapter 04, grant tables: grant-table (the tables, setup_table, query_size, versions),
// grant-map (the permission check, map, unmap, teardown), grant-copy (copy, transfer),
// grant-table-op (the hypercall); dom0 (domain 0's vCPU and hypercall entry).
export * from './grant-copy.ts';
export * from './grant-map.ts';
export * from './grant-table.ts';
export * from './grant-table-op.ts';
// xenlab: end index-grant-tables
export * from './guest-access.ts';
export * from './heap.ts';
export * from './hypercall.ts';
export * from './hypercall-table.ts';
// xenlab: region mm-exports from 05
export * from './ldt.ts';
export * from './memory-op.ts';
export * from './mm.ts';
export * from './mmu-update.ts';
export * from './mmuext.ts';
export * from './multicall.ts';
// xenlab: end mm-exports
// xenlab: region platform-export from 03
export * from './page.ts';
export * from './platform.ts';
// xenlab: end platform-export
// xenlab: region ptwr-export from 05
export * from './ptwr.ts';
// xenlab: end ptwr-export
export * from './sched.ts';
export * from './schedule.ts';
// xenlab: region time-exports from 03
export * from './shared-info.ts';
export * from './time.ts';
// xenlab: end time-exports
// xenlab: region trap-table-export from 05
export * from './trap-table.ts';
// xenlab: end trap-table-export
export * from './traps.ts';
export * from './version.ts';
export * from './vm-assist.ts';
export * from './x86-desc.ts';
export * from './xen.ts';
