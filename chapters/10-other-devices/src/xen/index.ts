// Your working copy for chapter 10, generated from solutions/xen/index.ts by npx xenlab stage.
// The hypervisor's table of contents (book ch. 2), one block per chapter in reading order.
// biome-ignore-all assist/source/organizeImports: each chapter's modules stay in one block

// Chapter 02, the PV boot:
//   abi, errno            Xen's public ABI: constants and layouts (public/*.h), errno values
//   heap, x86-desc        machine frames; Xen's own GDT, IDT and TSS in the hole
//   domain, xen           domains, vCPUs and their lifecycle; the hypervisor and domain control
//   mechanism,            what a mechanism plugs in (hypercalls, hooks, per-vCPU state), and
//   mechanisms            the list of those this build has
//   elf, builder,         a kernel image (ELF + Xen notes) laid out into a new domain,
//   bsd-symtab            with its symbol tables after it when it asks for them
//   traps, hypercall,     entering Xen: trap handling and the crash report, hypercall dispatch,
//   hypercall-table,      the table of every hypercall, guest memory access
//   guest-access
//   console, sched,       the chapter-02 hypercalls
//   version, vm-assist
//   cpuid                 Xen's CPUID policy and the forced-emulation prefix
//   schedule              running the vCPUs
export * from './abi.ts';
export * from './errno.ts';
export * from './heap.ts';
export * from './x86-desc.ts';
export * from './domain.ts';
export * from './xen.ts';
export * from './mechanism.ts';
export * from './mechanisms.ts';
export * from './elf.ts';
export * from './builder.ts';
export * from './bsd-symtab.ts';
export * from './traps.ts';
export * from './hypercall.ts';
export * from './hypercall-table.ts';
export * from './guest-access.ts';
export * from './console.ts';
export * from './sched.ts';
export * from './version.ts';
export * from './vm-assist.ts';
export * from './cpuid.ts';
export * from './schedule.ts';

// Chapter 03, the shared info page and time:
//   shared-info, time     the shared info page, system time, vcpu_time_info, the wall clock
//   platform              platform_op: the toolstack sets the time of day
//   page                  PAE entries: the frame an entry names, the walk to an L1 entry
export * from './shared-info.ts';
export * from './time.ts';
export * from './platform.ts';
export * from './page.ts';

// Chapter 04, grant tables:
//   grant-table           the tables, setup_table, query_size, versions
//   grant-map             the permission check, map, unmap, teardown
//   grant-copy            copy, transfer
//   grant-table-op        the hypercall
//   dom0                  domain 0's vCPU and its way into the dispatcher
export * from './grant-table.ts';
export * from './grant-map.ts';
export * from './grant-copy.ts';
export * from './grant-table-op.ts';
export * from './dom0.ts';

// Chapter 05, memory management:
//   mm                    page types, counts and PAE validation; the M2P
//   mmu-update, mmuext,   changing page tables; pinning, CR3, flushes
//   memory-op, multicall  reservations and the balloon; batches of hypercalls
//   trap-table, bounce    the virtual IDT and the bounce frame (#PF to the guest)
//   iret                  the iret hypercall: back from a handler, events unmasked at once
//   emul-priv-op,         the privileged instructions Xen emulates for the kernel (CRs, MSRs,
//   debugreg              I/O under IOPL, lazy FPU); the guest's debug registers
//   ptwr                  the writable-pagetables assist
//   descriptor, ldt, gdt  guest descriptors: update_descriptor, MMUEXT_SET_LDT, set_gdt
export * from './mm.ts';
export * from './mmu-update.ts';
export * from './mmuext.ts';
export * from './memory-op.ts';
export * from './multicall.ts';
export * from './trap-table.ts';
export * from './bounce.ts';
export * from './iret.ts';
export * from './emul-priv-op.ts';
export * from './debugreg.ts';
export * from './ptwr.ts';
export * from './descriptor.ts';
export * from './ldt.ts';
export * from './gdt.ts';

// Chapter 07, event channels:
//   event-channel,        ports and their states: bind, close, send, status, unmask;
//   event-channel-op      the hypercall and its old form
//   event-2l              the 2-level ABI: pending, mask, selector, upcall_pending
//   callback              set_callbacks, callback_op; the upcall on the way back to the guest
//   timer, softirq        timers on virtual time, set_timer_op; Xen's deferred work
//   poll                  SCHEDOP_poll
//   vcpu                  several vCPUs: max_vcpus, vcpu_op
export * from './event-channel.ts';
export * from './event-channel-op.ts';
export * from './event-2l.ts';
export * from './callback.ts';
export * from './timer.ts';
export * from './softirq.ts';
export * from './poll.ts';
export * from './vcpu.ts';
