// Your working copy for chapter 10, generated from solutions/xen/hypercall-table.ts by npx xenlab stage.
// The hypercall table: every hypercall Xen defines, by number, with its name and how a trace
// shows its arguments: book §2.3; Xen xen/include/hypercall-defs.c, public/xen.h
// (__HYPERVISOR_*), docs/xen-abi.md §1.5–1.6.
//
// This is the ABI's list, the same in every chapter. Which rows have a handler depends on the
// mechanisms the build has (mechanisms.ts): the Xen instance assembles its dispatch table from
// them (mechanism.ts), and a number without a handler answers -ENOSYS, as an empty slot of
// Xen's table does.

import {
  __HYPERVISOR_argo_op,
  __HYPERVISOR_callback_op,
  __HYPERVISOR_console_io,
  __HYPERVISOR_dm_op,
  __HYPERVISOR_domctl,
  __HYPERVISOR_event_channel_op,
  __HYPERVISOR_event_channel_op_compat,
  __HYPERVISOR_fpu_taskswitch,
  __HYPERVISOR_get_debugreg,
  __HYPERVISOR_grant_table_op,
  __HYPERVISOR_hvm_op,
  __HYPERVISOR_hypfs_op,
  __HYPERVISOR_iret,
  __HYPERVISOR_kexec_op,
  __HYPERVISOR_mca,
  __HYPERVISOR_memory_op,
  __HYPERVISOR_mmu_update,
  __HYPERVISOR_mmuext_op,
  __HYPERVISOR_multicall,
  __HYPERVISOR_nmi_op,
  __HYPERVISOR_physdev_op,
  __HYPERVISOR_physdev_op_compat,
  __HYPERVISOR_platform_op,
  __HYPERVISOR_sched_op,
  __HYPERVISOR_sched_op_compat,
  __HYPERVISOR_set_callbacks,
  __HYPERVISOR_set_debugreg,
  __HYPERVISOR_set_gdt,
  __HYPERVISOR_set_segment_base,
  __HYPERVISOR_set_timer_op,
  __HYPERVISOR_set_trap_table,
  __HYPERVISOR_stack_switch,
  __HYPERVISOR_sysctl,
  __HYPERVISOR_tmem_op,
  __HYPERVISOR_update_descriptor,
  __HYPERVISOR_update_va_mapping,
  __HYPERVISOR_update_va_mapping_otherdomain,
  __HYPERVISOR_vcpu_op,
  __HYPERVISOR_vm_assist,
  __HYPERVISOR_xen_version,
  __HYPERVISOR_xenoprof_op,
  __HYPERVISOR_xenpmu_op,
  __HYPERVISOR_xsm_op,
  CONSOLEIO_read,
  CONSOLEIO_write,
  SCHEDOP_block,
  SCHEDOP_poll,
  SCHEDOP_remote_shutdown,
  SCHEDOP_shutdown,
  SCHEDOP_shutdown_code,
  SCHEDOP_watchdog,
  SCHEDOP_yield,
  VMASST_CMD_disable,
  VMASST_CMD_enable,
  VMASST_TYPE_4gb_segments,
  VMASST_TYPE_4gb_segments_notify,
  VMASST_TYPE_pae_extended_cr3,
  VMASST_TYPE_writable_pagetables,
  XENVER_capabilities,
  XENVER_changeset,
  XENVER_commandline,
  XENVER_compile_info,
  XENVER_extraversion,
  XENVER_get_features,
  XENVER_guest_handle,
  XENVER_pagesize,
  XENVER_platform_parameters,
  XENVER_version,
} from './abi.ts';

/** How the trace shows one argument: a hex value unless `format` or `names` says otherwise. */
export interface ArgSpec {
  name: string;
  format?: 'dec';
  /** Symbolic names by value (sub-commands, types). */
  names?: Readonly<Record<number, string>>;
}

export interface HypercallEntry {
  number: number;
  /** Xen's name, without the __HYPERVISOR_ prefix. */
  name: string;
  args: readonly ArgSpec[];
}

const a = (name: string): ArgSpec => ({ name });
const dec = (name: string): ArgSpec => ({ name, format: 'dec' });
const named = (name: string, names: Record<number, string>): ArgSpec => ({ name, names });

const SCHEDOP_NAMES = {
  [SCHEDOP_yield]: 'SCHEDOP_yield',
  [SCHEDOP_block]: 'SCHEDOP_block',
  [SCHEDOP_shutdown]: 'SCHEDOP_shutdown',
  [SCHEDOP_poll]: 'SCHEDOP_poll',
  [SCHEDOP_remote_shutdown]: 'SCHEDOP_remote_shutdown',
  [SCHEDOP_shutdown_code]: 'SCHEDOP_shutdown_code',
  [SCHEDOP_watchdog]: 'SCHEDOP_watchdog',
};
const XENVER_NAMES = {
  [XENVER_version]: 'XENVER_version',
  [XENVER_extraversion]: 'XENVER_extraversion',
  [XENVER_compile_info]: 'XENVER_compile_info',
  [XENVER_capabilities]: 'XENVER_capabilities',
  [XENVER_changeset]: 'XENVER_changeset',
  [XENVER_platform_parameters]: 'XENVER_platform_parameters',
  [XENVER_get_features]: 'XENVER_get_features',
  [XENVER_pagesize]: 'XENVER_pagesize',
  [XENVER_guest_handle]: 'XENVER_guest_handle',
  [XENVER_commandline]: 'XENVER_commandline',
};
const CONSOLEIO_NAMES = {
  [CONSOLEIO_write]: 'CONSOLEIO_write',
  [CONSOLEIO_read]: 'CONSOLEIO_read',
};
// Grant-table sub-commands (docs/xen-abi.md §6.4), named in traces before chapter 04 implements
// them.
const GNTTABOP_NAMES = {
  0: 'GNTTABOP_map_grant_ref',
  1: 'GNTTABOP_unmap_grant_ref',
  2: 'GNTTABOP_setup_table',
  3: 'GNTTABOP_dump_table',
  4: 'GNTTABOP_transfer',
  5: 'GNTTABOP_copy',
  6: 'GNTTABOP_query_size',
  7: 'GNTTABOP_unmap_and_replace',
  8: 'GNTTABOP_set_version',
  9: 'GNTTABOP_get_status_frames',
  10: 'GNTTABOP_get_version',
};
// Event-channel sub-commands (docs/xen-abi.md §7), named in traces before chapter 07 implements
// them.
const EVTCHNOP_NAMES = {
  0: 'EVTCHNOP_bind_interdomain',
  1: 'EVTCHNOP_bind_virq',
  2: 'EVTCHNOP_bind_pirq',
  3: 'EVTCHNOP_close',
  4: 'EVTCHNOP_send',
  5: 'EVTCHNOP_status',
  6: 'EVTCHNOP_alloc_unbound',
  7: 'EVTCHNOP_bind_ipi',
  8: 'EVTCHNOP_bind_vcpu',
  9: 'EVTCHNOP_unmask',
  10: 'EVTCHNOP_reset',
  11: 'EVTCHNOP_init_control',
  12: 'EVTCHNOP_expand_array',
  13: 'EVTCHNOP_set_priority',
  14: 'EVTCHNOP_reset_cont',
};
const VMASST_CMD_NAMES = {
  [VMASST_CMD_enable]: 'VMASST_CMD_enable',
  [VMASST_CMD_disable]: 'VMASST_CMD_disable',
};
const VMASST_TYPE_NAMES = {
  [VMASST_TYPE_4gb_segments]: 'VMASST_TYPE_4gb_segments',
  [VMASST_TYPE_4gb_segments_notify]: 'VMASST_TYPE_4gb_segments_notify',
  [VMASST_TYPE_writable_pagetables]: 'VMASST_TYPE_writable_pagetables',
  [VMASST_TYPE_pae_extended_cr3]: 'VMASST_TYPE_pae_extended_cr3',
};

const row = (number: number, name: string, args: readonly ArgSpec[]): HypercallEntry =>
  Object.freeze({ number, name, args });

/** Every hypercall number Xen defines, in number order. */
export const HYPERCALLS: readonly HypercallEntry[] = Object.freeze([
  row(__HYPERVISOR_set_trap_table, 'set_trap_table', [a('traps')]),
  row(__HYPERVISOR_mmu_update, 'mmu_update', [a('reqs'), dec('count'), a('done'), a('foreigndom')]),
  row(__HYPERVISOR_set_gdt, 'set_gdt', [a('frame_list'), dec('entries')]),
  row(__HYPERVISOR_stack_switch, 'stack_switch', [a('ss'), a('esp')]),
  row(__HYPERVISOR_set_callbacks, 'set_callbacks', [
    a('event_cs'),
    a('event_eip'),
    a('failsafe_cs'),
    a('failsafe_eip'),
  ]),
  row(__HYPERVISOR_fpu_taskswitch, 'fpu_taskswitch', [dec('set')]),
  row(__HYPERVISOR_sched_op_compat, 'sched_op_compat', [named('cmd', SCHEDOP_NAMES), a('arg')]),
  row(__HYPERVISOR_platform_op, 'platform_op', [a('op')]),
  row(__HYPERVISOR_set_debugreg, 'set_debugreg', [dec('reg'), a('value')]),
  row(__HYPERVISOR_get_debugreg, 'get_debugreg', [dec('reg')]),
  row(__HYPERVISOR_update_descriptor, 'update_descriptor', [
    a('ma_lo'),
    a('ma_hi'),
    a('desc_lo'),
    a('desc_hi'),
  ]),
  row(__HYPERVISOR_memory_op, 'memory_op', [a('cmd'), a('arg')]),
  row(__HYPERVISOR_multicall, 'multicall', [a('call_list'), dec('nr_calls')]),
  row(__HYPERVISOR_update_va_mapping, 'update_va_mapping', [
    a('va'),
    a('val_lo'),
    a('val_hi'),
    a('flags'),
  ]),
  row(__HYPERVISOR_set_timer_op, 'set_timer_op', [a('timeout_lo'), a('timeout_hi')]),
  row(__HYPERVISOR_event_channel_op_compat, 'event_channel_op_compat', [a('op')]),
  row(__HYPERVISOR_xen_version, 'xen_version', [named('cmd', XENVER_NAMES), a('arg')]),
  row(__HYPERVISOR_console_io, 'console_io', [
    named('cmd', CONSOLEIO_NAMES),
    dec('count'),
    a('buffer'),
  ]),
  row(__HYPERVISOR_physdev_op_compat, 'physdev_op_compat', [a('op')]),
  row(__HYPERVISOR_grant_table_op, 'grant_table_op', [
    named('cmd', GNTTABOP_NAMES),
    a('uop'),
    dec('count'),
  ]),
  row(__HYPERVISOR_vm_assist, 'vm_assist', [
    named('cmd', VMASST_CMD_NAMES),
    named('type', VMASST_TYPE_NAMES),
  ]),
  row(__HYPERVISOR_update_va_mapping_otherdomain, 'update_va_mapping_otherdomain', [
    a('va'),
    a('val_lo'),
    a('val_hi'),
    a('flags'),
    dec('domid'),
  ]),
  row(__HYPERVISOR_iret, 'iret', []),
  row(__HYPERVISOR_vcpu_op, 'vcpu_op', [a('cmd'), dec('vcpuid'), a('arg')]),
  row(__HYPERVISOR_set_segment_base, 'set_segment_base', [a('which'), a('base')]),
  row(__HYPERVISOR_mmuext_op, 'mmuext_op', [a('ops'), dec('count'), a('done'), a('foreigndom')]),
  row(__HYPERVISOR_xsm_op, 'xsm_op', [a('op')]),
  row(__HYPERVISOR_nmi_op, 'nmi_op', [a('cmd'), a('arg')]),
  row(__HYPERVISOR_sched_op, 'sched_op', [named('cmd', SCHEDOP_NAMES), a('arg')]),
  row(__HYPERVISOR_callback_op, 'callback_op', [a('cmd'), a('arg')]),
  row(__HYPERVISOR_xenoprof_op, 'xenoprof_op', [a('op'), a('arg')]),
  row(__HYPERVISOR_event_channel_op, 'event_channel_op', [named('cmd', EVTCHNOP_NAMES), a('arg')]),
  row(__HYPERVISOR_physdev_op, 'physdev_op', [a('cmd'), a('arg')]),
  row(__HYPERVISOR_hvm_op, 'hvm_op', [a('op'), a('arg')]),
  row(__HYPERVISOR_sysctl, 'sysctl', [a('op')]),
  row(__HYPERVISOR_domctl, 'domctl', [a('op')]),
  row(__HYPERVISOR_kexec_op, 'kexec_op', [a('op'), a('arg')]),
  row(__HYPERVISOR_tmem_op, 'tmem_op', [a('op')]),
  row(__HYPERVISOR_argo_op, 'argo_op', [a('cmd'), a('arg1'), a('arg2'), a('arg3'), a('arg4')]),
  row(__HYPERVISOR_xenpmu_op, 'xenpmu_op', [a('op'), a('arg')]),
  row(__HYPERVISOR_dm_op, 'dm_op', [dec('domid'), dec('nr_bufs'), a('bufs')]),
  row(__HYPERVISOR_hypfs_op, 'hypfs_op', [a('cmd'), a('arg1'), a('arg2'), a('arg3'), a('arg4')]),
  row(__HYPERVISOR_mca, 'mca', [a('op')]),
]);

/** The table indexed by number; holes are undefined. */
export const HYPERCALL_TABLE: ReadonlyArray<HypercallEntry | undefined> = (() => {
  const table: Array<HypercallEntry | undefined> = [];
  for (const entry of HYPERCALLS) table[entry.number] = entry;
  return Object.freeze(table);
})();
