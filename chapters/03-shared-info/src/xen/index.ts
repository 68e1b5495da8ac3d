// Your working copy for chapter 03, generated from solutions/xen/index.ts by npx xenlab stage.
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
