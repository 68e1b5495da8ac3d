// Your working copy for chapter 11, generated from solutions/xen/abi.ts by npx xenlab stage.
// Xen's public x86_32 PV ABI as constants: book §2.2–2.6; Xen public/xen.h, arch-x86/xen-x86_32.h,
// sched.h, version.h, elfnote.h (values as in docs/xen-abi.md).

// --- Flat selectors in Xen's part of every GDT (docs/xen-abi.md §1.2).
export const FIRST_RESERVED_GDT_PAGE = 14;
export const FIRST_RESERVED_GDT_BYTE = FIRST_RESERVED_GDT_PAGE * 4096;
export const FIRST_RESERVED_GDT_ENTRY = FIRST_RESERVED_GDT_BYTE / 8;
export const __HYPERVISOR_CS = 0xe008;
export const __HYPERVISOR_DS = 0xe010;
export const FLAT_RING1_CS = 0xe019;
export const FLAT_RING1_DS = 0xe021;
export const FLAT_RING3_CS = 0xe02b;
export const FLAT_RING3_DS = 0xe033;
export const FLAT_KERNEL_CS = FLAT_RING1_CS;
export const FLAT_KERNEL_DS = FLAT_RING1_DS;
export const FLAT_KERNEL_SS = FLAT_RING1_DS;
export const FLAT_USER_CS = FLAT_RING3_CS;
export const FLAT_USER_DS = FLAT_RING3_DS;

// --- The hole Xen keeps at the top of every PAE guest's address space (docs/xen-abi.md §1.3).
export const HYPERVISOR_VIRT_START = 0xf5800000;
export const MACH2PHYS_VIRT_START = 0xf5800000;
export const MACH2PHYS_VIRT_END = 0xf6800000;

/** The hypercall trap vector; its gate has DPL 1 so only the guest kernel can use it. */
export const HYPERCALL_VECTOR = 0x82;

// --- Hypercall numbers (docs/xen-abi.md §1.6, public/xen.h); 11 is unused.
export const __HYPERVISOR_set_trap_table = 0;
export const __HYPERVISOR_mmu_update = 1;
export const __HYPERVISOR_set_gdt = 2;
export const __HYPERVISOR_stack_switch = 3;
export const __HYPERVISOR_set_callbacks = 4;
export const __HYPERVISOR_fpu_taskswitch = 5;
export const __HYPERVISOR_sched_op_compat = 6;
export const __HYPERVISOR_platform_op = 7;
export const __HYPERVISOR_set_debugreg = 8;
export const __HYPERVISOR_get_debugreg = 9;
export const __HYPERVISOR_update_descriptor = 10;
export const __HYPERVISOR_memory_op = 12;
export const __HYPERVISOR_multicall = 13;
export const __HYPERVISOR_update_va_mapping = 14;
export const __HYPERVISOR_set_timer_op = 15;
export const __HYPERVISOR_event_channel_op_compat = 16;
export const __HYPERVISOR_xen_version = 17;
export const __HYPERVISOR_console_io = 18;
export const __HYPERVISOR_physdev_op_compat = 19;
export const __HYPERVISOR_grant_table_op = 20;
export const __HYPERVISOR_vm_assist = 21;
export const __HYPERVISOR_update_va_mapping_otherdomain = 22;
export const __HYPERVISOR_iret = 23;
export const __HYPERVISOR_vcpu_op = 24;
export const __HYPERVISOR_set_segment_base = 25;
export const __HYPERVISOR_mmuext_op = 26;
export const __HYPERVISOR_xsm_op = 27;
export const __HYPERVISOR_nmi_op = 28;
export const __HYPERVISOR_sched_op = 29;
export const __HYPERVISOR_callback_op = 30;
export const __HYPERVISOR_xenoprof_op = 31;
export const __HYPERVISOR_event_channel_op = 32;
export const __HYPERVISOR_physdev_op = 33;
export const __HYPERVISOR_hvm_op = 34;
export const __HYPERVISOR_sysctl = 35;
export const __HYPERVISOR_domctl = 36;
export const __HYPERVISOR_kexec_op = 37;
export const __HYPERVISOR_tmem_op = 38;
export const __HYPERVISOR_argo_op = 39;
export const __HYPERVISOR_xenpmu_op = 40;
export const __HYPERVISOR_dm_op = 41;
export const __HYPERVISOR_hypfs_op = 42;
export const __HYPERVISOR_mca = 48;

// --- start_info (docs/xen-abi.md §2.3): 1112 bytes, offsets of each field.
export const START_INFO_SIZE = 1112;
export const START_INFO = {
  magic: 0,
  nr_pages: 32,
  shared_info: 36,
  flags: 40,
  store_mfn: 44,
  store_evtchn: 48,
  console_domU_mfn: 52,
  console_domU_evtchn: 56,
  pt_base: 60,
  nr_pt_frames: 64,
  mfn_list: 68,
  mod_start: 72,
  mod_len: 76,
  cmd_line: 80,
  first_p2m_pfn: 1104,
  nr_p2m_frames: 1108,
} as const;
export const MAX_GUEST_CMDLINE = 1024;
export const XEN_START_INFO_MAGIC_PAE = 'xen-3.0-x86_32p';

// --- SIF_* flags (docs/xen-abi.md §2.4).
export const SIF_PRIVILEGED = 1 << 0;
export const SIF_INITDOMAIN = 1 << 1;

// --- shared_info and vcpu_info (docs/xen-abi.md §3): only what chapter 02 initialises.
export const XEN_LEGACY_MAX_VCPUS = 32;
export const VCPU_INFO_SIZE = 64;
export const VCPU_INFO_evtchn_upcall_pending = 0;
export const VCPU_INFO_evtchn_upcall_mask = 1;
export const VCPU_INFO_time = 32;
/** struct shared_info (docs/xen-abi.md §3.1): offsets of its fields in the page. */
export const SHARED_INFO = {
  vcpu_info: 0,
  evtchn_pending: 2048,
  evtchn_mask: 2176,
  wc_version: 2304,
  wc_sec: 2308,
  wc_nsec: 2312,
  arch: 2316,
} as const;
/**
 * struct vcpu_time_info (docs/xen-abi.md §3.3): 32 bytes. `flags` (pvclock flags) came with Xen
 * 4.7.
 */
export const VCPU_TIME_INFO_SIZE = 32;
export const VCPU_TIME_INFO = {
  version: 0,
  tsc_timestamp: 8,
  system_time: 16,
  tsc_to_system_mul: 24,
  tsc_shift: 28,
  flags: 29,
} as const;
/** The TSC is the same on every vCPU: readings from different vCPUs compare. */
export const XEN_PVCLOCK_TSC_STABLE_BIT = 1 << 0;

// --- platform_op (public/platform.h): dom0's operations on the platform.
export const XENPF_INTERFACE_VERSION = 0x03000001;
export const XENPF_settime32 = 17;
export const XENPF_settime64 = 62;
/** struct xen_platform_op: cmd, interface_version, then a 128-byte union. */
export const XEN_PLATFORM_OP_SIZE = 136;
export const XEN_PLATFORM_OP = { cmd: 0, interface_version: 4, u: 8 } as const;
/** struct xenpf_settime32 and xenpf_settime64, offsets inside the union. */
export const XENPF_SETTIME32 = { secs: 0, nsecs: 4, system_time: 8 } as const;
export const XENPF_SETTIME64 = { secs: 0, nsecs: 8, mbz: 12, system_time: 16 } as const;

// --- PTE bits and the bootstrap table protections (docs/xen-abi.md §2.6).
export const _PAGE_PRESENT = 0x001;
export const _PAGE_RW = 0x002;
export const _PAGE_USER = 0x004;
export const _PAGE_ACCESSED = 0x020;
export const _PAGE_DIRTY = 0x040;
/** In an L2 entry: a 2 MiB page, with no L1 below (PSE). */
export const _PAGE_PSE = 0x080;
export const L1_PROT = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED;
export const L2_PROT = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER;
export const L3_PROT = _PAGE_PRESENT;

// --- ELF notes (docs/xen-abi.md §2.1, public/elfnote.h).
export const XEN_ELFNOTE_INFO = 0;
export const XEN_ELFNOTE_ENTRY = 1;
export const XEN_ELFNOTE_HYPERCALL_PAGE = 2;
export const XEN_ELFNOTE_VIRT_BASE = 3;
export const XEN_ELFNOTE_PADDR_OFFSET = 4;
export const XEN_ELFNOTE_XEN_VERSION = 5;
export const XEN_ELFNOTE_GUEST_OS = 6;
export const XEN_ELFNOTE_GUEST_VERSION = 7;
export const XEN_ELFNOTE_LOADER = 8;
export const XEN_ELFNOTE_PAE_MODE = 9;
export const XEN_ELFNOTE_FEATURES = 10;
export const XEN_ELFNOTE_BSD_SYMTAB = 11;
export const XEN_ELFNOTE_HV_START_LOW = 12;

// --- XENFEAT_* bits, submap 0 (docs/xen-abi.md §8.5), by the names the FEATURES note uses.
export const XENFEAT = {
  writable_page_tables: 0,
  writable_descriptor_tables: 1,
  auto_translated_physmap: 2,
  supervisor_mode_kernel: 3,
  pae_pgdir_above_4gb: 4,
  mmu_pt_update_preserve_ad: 5,
  highmem_assist: 6,
  gnttab_map_avail_bits: 7,
  hvm_callback_vector: 8,
  hvm_safe_pvclock: 9,
  hvm_pirqs: 10,
} as const;

// --- vm_assist (docs/xen-abi.md §5.6).
export const VMASST_CMD_enable = 0;
export const VMASST_CMD_disable = 1;
export const VMASST_TYPE_4gb_segments = 0;
export const VMASST_TYPE_4gb_segments_notify = 1;
export const VMASST_TYPE_writable_pagetables = 2;
export const VMASST_TYPE_pae_extended_cr3 = 3;
/** Interface 0x00040600 on: the kernel's IOPL checks as ring 0's (emul-priv-op.c, iopl_ok). */
export const VMASST_TYPE_architectural_iopl = 4;
export const MAX_VMASST_TYPE = 4;

// --- sched_op (docs/xen-abi.md §8.1).
export const SCHEDOP_yield = 0;
export const SCHEDOP_block = 1;
export const SCHEDOP_shutdown = 2;
export const SCHEDOP_poll = 3;
export const SCHEDOP_remote_shutdown = 4;
export const SCHEDOP_shutdown_code = 5;
export const SCHEDOP_watchdog = 6;

export const SHUTDOWN_poweroff = 0;
export const SHUTDOWN_reboot = 1;
export const SHUTDOWN_suspend = 2;
export const SHUTDOWN_crash = 3;
export const SHUTDOWN_watchdog = 4;
/** Names of the shutdown reasons, indexed by reason. */
export const SHUTDOWN_NAMES: readonly string[] = [
  'poweroff',
  'reboot',
  'suspend',
  'crash',
  'watchdog',
];

// --- console_io (docs/xen-abi.md §8.4).
export const CONSOLEIO_write = 0;
export const CONSOLEIO_read = 1;

// --- xen_version (docs/xen-abi.md §8.5).
export const XENVER_version = 0;
export const XENVER_extraversion = 1;
export const XENVER_compile_info = 2;
export const XENVER_capabilities = 3;
export const XENVER_changeset = 4;
export const XENVER_platform_parameters = 5;
export const XENVER_get_features = 6;
export const XENVER_pagesize = 7;
export const XENVER_guest_handle = 8;
export const XENVER_commandline = 9;

// --- Special domain ids (docs/xen-abi.md §5.9).
export const DOMID_SELF = 0x7ff0;

// --- Memory management (docs/xen-abi.md §5, public/xen.h, memory.h).
export const MACH2PHYS_NR_ENTRIES = (MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) / 4;
export const DOMID_IO = 0x7ff1;
export const DOMID_XEN = 0x7ff2;
export const VCPU_INFO_arch_cr2 = 8;

/** mmu_update commands: the low 2 bits of each request's ptr. */
export const MMU_NORMAL_PT_UPDATE = 0;
export const MMU_MACHPHYS_UPDATE = 1;
export const MMU_PT_UPDATE_PRESERVE_AD = 2;
/** struct mmu_update: ptr u64 @0, val u64 @8. */
export const MMU_UPDATE_SIZE = 16;

export const MMUEXT_PIN_L1_TABLE = 0;
export const MMUEXT_PIN_L2_TABLE = 1;
export const MMUEXT_PIN_L3_TABLE = 2;
export const MMUEXT_PIN_L4_TABLE = 3;
export const MMUEXT_UNPIN_TABLE = 4;
export const MMUEXT_NEW_BASEPTR = 5;
export const MMUEXT_TLB_FLUSH_LOCAL = 6;
export const MMUEXT_INVLPG_LOCAL = 7;
export const MMUEXT_TLB_FLUSH_MULTI = 8;
export const MMUEXT_INVLPG_MULTI = 9;
export const MMUEXT_TLB_FLUSH_ALL = 10;
export const MMUEXT_INVLPG_ALL = 11;
export const MMUEXT_FLUSH_CACHE = 12;
export const MMUEXT_SET_LDT = 13;
export const MMUEXT_NEW_USER_BASEPTR = 15;
export const MMUEXT_CLEAR_PAGE = 16;
export const MMUEXT_COPY_PAGE = 17;
export const MMUEXT_FLUSH_CACHE_GLOBAL = 18;
export const MMUEXT_MARK_SUPER = 19;
export const MMUEXT_UNMARK_SUPER = 20;
/** struct mmuext_op: cmd u32 @0, arg1 u32 @4, arg2 u32 @8. */
export const MMUEXT_OP_SIZE = 12;

export const UVMF_NONE = 0;
export const UVMF_TLB_FLUSH = 1;
export const UVMF_INVLPG = 2;
export const UVMF_FLUSHTYPE_MASK = 3;
export const UVMF_LOCAL = 0;
export const UVMF_ALL = 4;

export const XENMEM_increase_reservation = 0;
export const XENMEM_decrease_reservation = 1;
export const XENMEM_maximum_ram_page = 2;
export const XENMEM_current_reservation = 3;
export const XENMEM_maximum_reservation = 4;
export const XENMEM_machphys_mfn_list = 5;
export const XENMEM_populate_physmap = 6;
export const XENMEM_add_to_physmap = 7;
export const XENMEM_memory_map = 9;
export const XENMEM_machine_memory_map = 10;
export const XENMEM_exchange = 11;
export const XENMEM_machphys_mapping = 12;
export const XENMEM_set_memory_map = 13;
export const XENMEM_maximum_gpfn = 14;
/** The low 6 bits of memory_op's cmd select the operation; the rest is a restart index. */
export const MEMOP_CMD_MASK = 0x3f;
export const MEMOP_EXTENT_SHIFT = 6;
/** xen_memory_reservation: extent_start @0, nr_extents @4, extent_order @8, mem_flags @12,
 * domid @16 (20 bytes). */
export const XEN_MEMORY_RESERVATION_SIZE = 20;
export const E820_RAM = 1;

/** multicall_entry: op @0, result @4, args[6] @8 (32 bytes). */
export const MULTICALL_ENTRY_SIZE = 32;

/** trap_info: vector u8 @0, flags u8 @1, cs u16 @2, address u32 @4 (8 bytes). */
export const TRAP_INFO_SIZE = 8;
/** trap_info.flags bit 2: mask events on entry, as through an interrupt gate. */
export const TI_MASK_EVENTS = 4;

// --- Grant tables (docs/xen-abi.md §6, public/grant_table.h): v1 entries, sub-commands, flags,
// status.
export const GNTTABOP_map_grant_ref = 0;
export const GNTTABOP_unmap_grant_ref = 1;
export const GNTTABOP_setup_table = 2;
export const GNTTABOP_dump_table = 3;
export const GNTTABOP_transfer = 4;
export const GNTTABOP_copy = 5;
export const GNTTABOP_query_size = 6;
export const GNTTABOP_unmap_and_replace = 7;
export const GNTTABOP_set_version = 8;
export const GNTTABOP_get_status_frames = 9;
export const GNTTABOP_get_version = 10;

/** grant_entry_v1: flags u16 @0, domid u16 @2, frame u32 @4 — 512 entries per page. */
export const GRANT_ENTRY_V1 = { flags: 0, domid: 2, frame: 4, size: 8 } as const;
/** Entries 0–7 belong to the toolstack (console and xenstore rings); guests start at 8. */
export const GNTTAB_NR_RESERVED_ENTRIES = 8;

export const GTF_invalid = 0;
export const GTF_permit_access = 1;
export const GTF_accept_transfer = 2;
export const GTF_transitive = 3;
export const GTF_type_mask = 3;
export const GTF_readonly = 1 << 2;
export const GTF_reading = 1 << 3;
export const GTF_writing = 1 << 4;
export const GTF_sub_page = 1 << 8;
/** accept_transfer entries reuse bits 2 and 3. */
export const GTF_transfer_committed = 1 << 2;
export const GTF_transfer_completed = 1 << 3;

export const GNTMAP_device_map = 1 << 0;
export const GNTMAP_host_map = 1 << 1;
export const GNTMAP_readonly = 1 << 2;
export const GNTMAP_application_map = 1 << 3;
export const GNTMAP_contains_pte = 1 << 4;

export const GNTCOPY_source_gref = 1 << 0;
export const GNTCOPY_dest_gref = 1 << 1;

export const GNTST_okay = 0;
export const GNTST_general_error = -1;
export const GNTST_bad_domain = -2;
export const GNTST_bad_gntref = -3;
export const GNTST_bad_handle = -4;
export const GNTST_bad_virt_addr = -5;
export const GNTST_bad_dev_addr = -6;
export const GNTST_no_device_space = -7;
export const GNTST_permission_denied = -8;
export const GNTST_bad_page = -9;
export const GNTST_bad_copy_arg = -10;
export const GNTST_address_too_big = -11;
export const GNTST_eagain = -12;

// The operation structures, x86_32 (docs/xen-abi.md §6.4): field offsets and sizes in bytes.
export const GNTTAB_MAP_GRANT_REF = {
  host_addr: 0,
  flags: 8,
  ref: 12,
  dom: 16,
  status: 18,
  handle: 20,
  dev_bus_addr: 24,
  size: 32,
} as const;
export const GNTTAB_UNMAP_GRANT_REF = {
  host_addr: 0,
  dev_bus_addr: 8,
  handle: 16,
  status: 20,
  size: 24,
} as const;
export const GNTTAB_SETUP_TABLE = {
  dom: 0,
  nr_frames: 4,
  status: 8,
  frame_list: 12,
  size: 16,
} as const;
export const GNTTAB_QUERY_SIZE = {
  dom: 0,
  nr_frames: 4,
  max_nr_frames: 8,
  status: 12,
  size: 16,
} as const;
export const GNTTAB_TRANSFER = { mfn: 0, domid: 4, ref: 8, status: 12, size: 16 } as const;
export const GNTTAB_COPY = {
  source_u: 0,
  source_domid: 4,
  source_offset: 6,
  dest_u: 8,
  dest_domid: 12,
  dest_offset: 14,
  len: 16,
  flags: 18,
  status: 20,
  size: 24,
} as const;
export const GNTTAB_SET_VERSION = { version: 0, size: 4 } as const;
export const GNTTAB_GET_VERSION = { dom: 0, version: 4, size: 8 } as const;

// --- Shared I/O rings (docs/xen-abi.md §9): public/io/ring.h's shared page header. Slots start
// at `ring`; their count is what fits in the page, rounded down to a power of two.
export const SRING = {
  req_prod: 0,
  req_event: 4,
  rsp_prod: 8,
  rsp_event: 12,
  pvt: 16,
  ring: 64,
} as const;

// --- The console ring (docs/xen-abi.md §10): public/io/console.h's xencons_interface.
export const XENCONS = {
  in: 0,
  out: 1024,
  in_cons: 3072,
  in_prod: 3076,
  out_cons: 3080,
  out_prod: 3084,
} as const;
export const XENCONS_IN_SIZE = 1024;
export const XENCONS_OUT_SIZE = 2048;
// --- event_channel_op (docs/xen-abi.md §7, §10): the one command chapter 06 needs.
export const EVTCHNOP_send = 4;

// --- Event channels (docs/xen-abi.md §7, public/event_channel.h, public/xen.h).
/** event_channel_op sub-commands. */
export const EVTCHNOP_bind_interdomain = 0;
export const EVTCHNOP_bind_virq = 1;
export const EVTCHNOP_bind_pirq = 2;
export const EVTCHNOP_close = 3;
export const EVTCHNOP_status = 5;
export const EVTCHNOP_alloc_unbound = 6;
export const EVTCHNOP_bind_ipi = 7;
export const EVTCHNOP_bind_vcpu = 8;
export const EVTCHNOP_unmask = 9;
export const EVTCHNOP_reset = 10;
export const EVTCHNOP_init_control = 11;
export const EVTCHNOP_expand_array = 12;
export const EVTCHNOP_set_priority = 13;
export const EVTCHNOP_reset_cont = 14;

/** EVTCHNOP_status's answer. */
export const EVTCHNSTAT_closed = 0;
export const EVTCHNSTAT_unbound = 1;
export const EVTCHNSTAT_interdomain = 2;
export const EVTCHNSTAT_pirq = 3;
export const EVTCHNSTAT_virq = 4;
export const EVTCHNSTAT_ipi = 5;

/** Ports of the 2-level ABI for a 32-bit guest: 32 words of 32 bits. */
export const NR_EVENT_CHANNELS = 1024;
export const BITS_PER_EVTCHN_WORD = 32;
/** vcpu_info.evtchn_pending_sel: bit w ⇒ evtchn_pending[w] may hold new unmasked bits. */
export const VCPU_INFO_evtchn_pending_sel = 4;
export const BIND_PIRQ__WILL_SHARE = 1;

/** Virtual IRQs (public/xen.h). */
export const VIRQ_TIMER = 0;
export const VIRQ_DEBUG = 1;
export const VIRQ_CONSOLE = 2;
export const VIRQ_DOM_EXC = 3;
export const VIRQ_TBUF = 4;
export const VIRQ_DEBUGGER = 6;
export const VIRQ_XENOPROF = 7;
export const VIRQ_CON_RING = 8;
export const NR_VIRQS = 24;

/** The operation structures (x86_32): field offsets and sizes in bytes. */
export const EVTCHN_BIND_INTERDOMAIN = {
  remote_dom: 0,
  remote_port: 4,
  local_port: 8,
  size: 12,
} as const;
export const EVTCHN_BIND_VIRQ = { virq: 0, vcpu: 4, port: 8, size: 12 } as const;
export const EVTCHN_BIND_PIRQ = { pirq: 0, flags: 4, port: 8, size: 12 } as const;
export const EVTCHN_PORT_ARG = { port: 0, size: 4 } as const;
export const EVTCHN_STATUS = { dom: 0, port: 4, status: 8, vcpu: 12, u: 16, size: 24 } as const;
export const EVTCHN_ALLOC_UNBOUND = { dom: 0, remote_dom: 2, port: 4, size: 8 } as const;
export const EVTCHN_BIND_IPI = { vcpu: 0, port: 4, size: 8 } as const;
export const EVTCHN_BIND_VCPU = { port: 0, vcpu: 4, size: 8 } as const;
export const EVTCHN_RESET = { dom: 0, size: 2 } as const;
/** event_channel_op_compat's evtchn_op: cmd u32 @0, the union @4 (28 bytes in all). */
export const EVTCHN_OP_COMPAT = { cmd: 0, u: 4, size: 28 } as const;

// --- Callbacks (public/callback.h).
export const CALLBACKTYPE_event = 0;
export const CALLBACKTYPE_failsafe = 1;
export const CALLBACKTYPE_syscall = 2;
export const CALLBACKTYPE_sysenter_deprecated = 3;
export const CALLBACKTYPE_nmi = 4;
export const CALLBACKTYPE_sysenter = 5;
export const CALLBACKTYPE_syscall32 = 7;
export const CALLBACKF_mask_events = 1;
export const CALLBACKOP_register = 0;
export const CALLBACKOP_unregister = 1;
/** callback_register: type u16 @0, flags u16 @2, cs u32 @4, eip u32 @8; unregister: type. */
export const CALLBACK_REGISTER = { type: 0, flags: 2, cs: 4, eip: 8, size: 12 } as const;
export const CALLBACK_UNREGISTER = { type: 0, size: 4 } as const;
/** The NMI's vector in the virtual IDT, where Xen keeps the NMI callback. */
export const TRAP_nmi = 2;

// --- vcpu_op (docs/xen-abi.md §8.3, public/vcpu.h).
export const VCPUOP_initialise = 0;
export const VCPUOP_up = 1;
export const VCPUOP_down = 2;
export const VCPUOP_is_up = 3;
export const VCPUOP_get_runstate_info = 4;
export const VCPUOP_register_runstate_memory_area = 5;
export const VCPUOP_set_periodic_timer = 6;
export const VCPUOP_stop_periodic_timer = 7;
export const VCPUOP_set_singleshot_timer = 8;
export const VCPUOP_stop_singleshot_timer = 9;
export const VCPUOP_register_vcpu_info = 10;
/** vcpu_register_vcpu_info: mfn u64 @0, offset u32 @8, rsvd u32 @12. */
export const VCPU_REGISTER_VCPU_INFO = { mfn: 0, offset: 8, size: 16 } as const;
/** vcpu_set_singleshot_timer: timeout_abs_ns u64 @0, flags u32 @8. */
export const VCPU_SET_SINGLESHOT_TIMER = { timeout_abs_ns: 0, flags: 8, size: 12 } as const;
export const VCPU_SSHOTTMR_future = 1;
/** vcpu_set_periodic_timer: period_ns u64 @0. */
export const VCPU_SET_PERIODIC_TIMER = { period_ns: 0, size: 8 } as const;
/**
 * vcpu_runstate_info on x86_32 (44 bytes, u64 fields 4-byte aligned): state int @0,
 * state_entry_time u64 @4, time[4] u64 @12 (ns spent in each RUNSTATE_*).
 */
export const VCPU_RUNSTATE_INFO = { state: 0, state_entry_time: 4, time: 12, size: 44 } as const;
export const RUNSTATE_running = 0;
export const RUNSTATE_runnable = 1;
export const RUNSTATE_blocked = 2;
export const RUNSTATE_offline = 3;
/** vcpu_register_runstate_memory_area: the guest handle @0 (a 32-bit guest's handle is 4 bytes). */
export const VCPU_REGISTER_RUNSTATE_MEMORY_AREA = { addr: 0, size: 4 } as const;


// --- domctl (docs/xen-abi.md §8.7, public/domctl.h as of Xen 4.1: interface version 7).
export const XEN_DOMCTL_INTERFACE_VERSION = 0x00000007;
export const XEN_DOMCTL_createdomain = 1;
export const XEN_DOMCTL_destroydomain = 2;
export const XEN_DOMCTL_pausedomain = 3;
export const XEN_DOMCTL_unpausedomain = 4;
export const XEN_DOMCTL_getdomaininfo = 5;
export const XEN_DOMCTL_max_mem = 11;
export const XEN_DOMCTL_max_vcpus = 15;
/** Ids from here on are special (DOMID_SELF …): no domain has one. */
export const DOMID_FIRST_RESERVED = 0x7ff0;
/** struct xen_domctl: cmd, interface_version, domain, then a 128-byte union at 16 (8-aligned). */
export const XEN_DOMCTL = { cmd: 0, interface_version: 4, domain: 8, u: 16, size: 144 } as const;
/** struct xen_domctl_createdomain, inside the union. */
export const XEN_DOMCTL_CREATEDOMAIN = { ssidref: 0, handle: 4, flags: 20 } as const;
/** struct xen_domctl_getdomaininfo (version 7), inside the union; 64-bit fields 8-aligned. */
export const XEN_DOMCTL_GETDOMAININFO = {
  domain: 0,
  flags: 4,
  tot_pages: 8,
  max_pages: 16,
  shr_pages: 24,
  paged_pages: 32,
  shared_info_frame: 40,
  cpu_time: 48,
  nr_online_vcpus: 56,
  max_vcpu_id: 60,
  ssidref: 64,
  handle: 68,
  cpupool: 84,
} as const;
/** struct xen_domctl_max_mem: max_memkb u64; struct xen_domctl_max_vcpus: max u32. */
export const XEN_DOMCTL_MAX_MEM = { max_memkb: 0 } as const;
export const XEN_DOMCTL_MAX_VCPUS = { max: 0 } as const;
/** getdomaininfo's flags; the shutdown reason sits in bits 16–23. */
export const XEN_DOMINF_dying = 1 << 0;
export const XEN_DOMINF_shutdown = 1 << 2;
export const XEN_DOMINF_paused = 1 << 3;
export const XEN_DOMINF_blocked = 1 << 4;
export const XEN_DOMINF_running = 1 << 5;
export const XEN_DOMINF_shutdownshift = 16;

// --- A vCPU's whole state as the toolstack and VCPUOP_initialise see it (public/arch-x86).
/**
 * struct vcpu_guest_context (x86_32, 2800 bytes): the FPU area, flags, cpu_user_regs, the
 * virtual IDT, LDT and GDT, the kernel stack, control registers, callbacks.
 */
export const VCPU_GUEST_CONTEXT = {
  flags: 512,
  user_regs: 516,
  trap_ctxt: 584,
  kernel_ss: 2708,
  kernel_sp: 2712,
  ctrlreg: 2716,
  event_callback_cs: 2780,
  event_callback_eip: 2784,
  failsafe_callback_cs: 2788,
  failsafe_callback_eip: 2792,
  vm_assist: 2796,
  size: 2800,
} as const;
/** struct cpu_user_regs (x86_32), offsets inside user_regs. */
export const CPU_USER_REGS = {
  ebx: 0,
  ecx: 4,
  edx: 8,
  esi: 12,
  edi: 16,
  ebp: 20,
  eax: 24,
  eip: 32,
  cs: 36,
  eflags: 40,
  esp: 44,
  ss: 48,
  es: 52,
  ds: 56,
  fs: 60,
  gs: 64,
} as const;
/** trap_info inside trap_ctxt: vector u8 @0, flags u8 @1, cs u16 @2, address u32 @4. */
export const TRAP_CTXT_ENTRY = { vector: 0, flags: 1, cs: 2, address: 4 } as const;

// --- domctl for saving a domain (docs/xen-abi.md §8.7).
export const XEN_DOMCTL_getvcpucontext = 13;
export const XEN_DOMCTL_getpageframeinfo3 = 61;
/** struct xen_domctl_vcpucontext: vcpu u32 @0, ctxt (a 64-bit guest handle) @8. */
export const XEN_DOMCTL_VCPUCONTEXT = { vcpu: 0, ctxt: 8 } as const;
/** struct xen_domctl_getpageframeinfo3: num u64 @0, array (64-bit handle of xen_pfn_t) @8. */
export const XEN_DOMCTL_GETPAGEFRAMEINFO3 = { num: 0, array: 8 } as const;
/** getpageframeinfo3's most frames per call. */
export const XEN_DOMCTL_PFINFO_MAX = 1024;
/** What getpageframeinfo3 says of a frame, in the top 4 bits of its entry. */
export const XEN_DOMCTL_PFINFO_NOTAB = 0x0 << 28;
export const XEN_DOMCTL_PFINFO_L1TAB = 0x1 << 28;
export const XEN_DOMCTL_PFINFO_L2TAB = 0x2 << 28;
export const XEN_DOMCTL_PFINFO_L3TAB = 0x3 << 28;
export const XEN_DOMCTL_PFINFO_LTABTYPE_MASK = 0x7 << 28;
export const XEN_DOMCTL_PFINFO_LPINTAB = 0x80000000;
export const XEN_DOMCTL_PFINFO_XTAB = 0xf0000000;
