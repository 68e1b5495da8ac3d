// Your working copy for chapter 02, generated from solutions/xen/abi.ts by npx xenlab stage.
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
