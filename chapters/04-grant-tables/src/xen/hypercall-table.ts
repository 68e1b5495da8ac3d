// Your working copy for chapter 04, generated from solutions/xen/hypercall-table.ts by npx xenlab stage.
// The hypercall table: Xen's number, name, handler and the chapter that implements each one:
// book §2.3; Xen xen/include/hypercall-defs.c, public/xen.h (__HYPERVISOR_*), xen-abi §1.5–1.6.
//
// A row with no handler answers -ENOSYS, as an empty slot of Xen's table does. `chapter` says
// where the handler arrives (null: never — the hypercall is x86_64-only, or outside the book).

import {
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
import { doConsoleIo } from './console.ts';
import { doGrantTableOp } from './grant-table-op.ts';
import type { HypercallHandler } from './hypercall.ts';
import { doPlatformOp } from './platform.ts';
import { doSchedOp, doSchedOpCompat } from './sched.ts';
import { doUpdateVaMappingSharedInfo } from './shared-info.ts';
import { doXenVersion } from './version.ts';
import { doVmAssist } from './vm-assist.ts';

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
  handler: HypercallHandler | null;
  /** Chapter id (chapters/index.ts) that implements it, or null. */
  chapter: string | null;
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
// Grant-table sub-commands (xen-abi §6.4), named in traces before chapter 04 implements them.
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

function row(
  number: number,
  name: string,
  chapter: string | null,
  args: readonly ArgSpec[],
  handler: HypercallHandler | null = null,
): HypercallEntry {
  handler ??= TIME_HANDLERS[number] ?? null;
  // The last lookup: a handler a later chapter gives the same number comes first and wins.
  handler ??= EARLY_HANDLERS[number] ?? null;
  return Object.freeze({ number, name, handler, chapter, args });
}

/** Chapter 03's handlers, by hypercall number. */
const TIME_HANDLERS: Readonly<Record<number, HypercallHandler>> = {
  7: doPlatformOp,
};

/** Stand-ins until the chapter that owns the hypercall: update_va_mapping of shared_info. */
const EARLY_HANDLERS: Readonly<Record<number, HypercallHandler>> = {
  14: doUpdateVaMappingSharedInfo,
};

/** Every hypercall number Xen defines, in number order. */
export const HYPERCALLS: readonly HypercallEntry[] = Object.freeze([
  row(0, 'set_trap_table', 'A', [a('traps')]),
  row(1, 'mmu_update', '05', [a('reqs'), dec('count'), a('done'), a('foreigndom')]),
  row(2, 'set_gdt', '05', [a('frame_list'), dec('entries')]),
  row(3, 'stack_switch', 'A', [a('ss'), a('esp')]),
  row(4, 'set_callbacks', '07', [
    a('event_cs'),
    a('event_eip'),
    a('failsafe_cs'),
    a('failsafe_eip'),
  ]),
  row(5, 'fpu_taskswitch', 'A', [dec('set')]),
  row(6, 'sched_op_compat', '02', [named('cmd', SCHEDOP_NAMES), a('arg')], doSchedOpCompat),
  row(7, 'platform_op', '03', [a('op')]),
  row(8, 'set_debugreg', 'A', [dec('reg'), a('value')]),
  row(9, 'get_debugreg', 'A', [dec('reg')]),
  row(10, 'update_descriptor', '05', [a('ma_lo'), a('ma_hi'), a('desc_lo'), a('desc_hi')]),
  row(12, 'memory_op', '05', [a('cmd'), a('arg')]),
  row(13, 'multicall', '05', [a('call_list'), dec('nr_calls')]),
  row(14, 'update_va_mapping', '05', [a('va'), a('val_lo'), a('val_hi'), a('flags')]),
  row(15, 'set_timer_op', '07', [a('timeout_lo'), a('timeout_hi')]),
  row(16, 'event_channel_op_compat', '07', [a('op')]),
  row(17, 'xen_version', '02', [named('cmd', XENVER_NAMES), a('arg')], doXenVersion),
  row(
    18,
    'console_io',
    '02',
    [named('cmd', CONSOLEIO_NAMES), dec('count'), a('buffer')],
    doConsoleIo,
  ),
  row(19, 'physdev_op_compat', '09', [a('op')]),
  row(
    20,
    'grant_table_op',
    '04',
    [named('cmd', GNTTABOP_NAMES), a('uop'), dec('count')],
    doGrantTableOp,
  ),
  row(
    21,
    'vm_assist',
    '02',
    [named('cmd', VMASST_CMD_NAMES), named('type', VMASST_TYPE_NAMES)],
    doVmAssist,
  ),
  row(22, 'update_va_mapping_otherdomain', '05', [
    a('va'),
    a('val_lo'),
    a('val_hi'),
    a('flags'),
    dec('domid'),
  ]),
  row(23, 'iret', 'A', []),
  row(24, 'vcpu_op', '03', [a('cmd'), dec('vcpuid'), a('arg')]),
  row(25, 'set_segment_base', null, [a('which'), a('base')]),
  row(26, 'mmuext_op', '05', [a('ops'), dec('count'), a('done'), a('foreigndom')]),
  row(27, 'xsm_op', null, [a('op')]),
  row(28, 'nmi_op', null, [a('cmd'), a('arg')]),
  row(29, 'sched_op', '02', [named('cmd', SCHEDOP_NAMES), a('arg')], doSchedOp),
  row(30, 'callback_op', '07', [a('cmd'), a('arg')]),
  row(31, 'xenoprof_op', null, [a('op'), a('arg')]),
  row(32, 'event_channel_op', '07', [a('cmd'), a('arg')]),
  row(33, 'physdev_op', '09', [a('cmd'), a('arg')]),
  row(34, 'hvm_op', '13', [a('op'), a('arg')]),
  row(35, 'sysctl', '11', [a('op')]),
  row(36, 'domctl', '11', [a('op')]),
  row(37, 'kexec_op', null, [a('op'), a('arg')]),
  row(38, 'tmem_op', null, [a('op')]),
  row(39, 'argo_op', null, [a('cmd'), a('arg1'), a('arg2'), a('arg3'), a('arg4')]),
  row(40, 'xenpmu_op', null, [a('op'), a('arg')]),
  row(41, 'dm_op', null, [dec('domid'), dec('nr_bufs'), a('bufs')]),
  row(42, 'hypfs_op', null, [a('cmd'), a('arg1'), a('arg2'), a('arg3'), a('arg4')]),
  row(48, 'mca', null, [a('op')]),
]);

/** The table indexed by number, as the dispatcher reads it; holes are undefined. */
export const HYPERCALL_TABLE: ReadonlyArray<HypercallEntry | undefined> = (() => {
  const table: Array<HypercallEntry | undefined> = [];
  for (const entry of HYPERCALLS) table[entry.number] = entry;
  return Object.freeze(table);
})();
