// The mechanisms this hypervisor is built with, in the order their hooks run: book ch. 2; Xen's
// Kconfig and xen/include/hypercall-defs.c, which decide what a build of Xen contains.
// xenlab: file from 02
//
// Each chapter adds its mechanisms here, in its own block, and nowhere else: the Xen instance
// takes its hypercall table and its hooks from this list (mechanism.ts).

// biome-ignore-all assist/source/organizeImports: each chapter's imports stay in one block
import type { Mechanism } from './mechanism.ts';
import { CONSOLE_MECHANISM } from './console.ts';
import { SCHED_OP_MECHANISM } from './sched.ts';
import { XEN_VERSION_MECHANISM } from './version.ts';
import { VM_ASSIST_MECHANISM } from './vm-assist.ts';
import { CPUID_MECHANISM } from './cpuid.ts';
// xenlab: region time-mechanism-imports from 03
import { TIME_MECHANISM } from './time.ts';
import { PLATFORM_MECHANISM } from './platform.ts';
// xenlab: end time-mechanism-imports
// xenlab: region shared-info-mapping-import from 03 until 05
import { SHARED_INFO_MAPPING_MECHANISM } from './shared-info.ts';
// xenlab: end shared-info-mapping-import
// xenlab: region grant-mechanism-imports from 04
import { GRANT_TABLES_MECHANISM } from './grant-table-op.ts';
import { DOMCTL_MECHANISM } from './domctl.ts';
// xenlab: end grant-mechanism-imports
// xenlab: region memory-mechanism-imports from 05
import { PTWR_MECHANISM } from './ptwr.ts';
import { BOUNCE_MECHANISM } from './bounce.ts';
import { TRAP_TABLE_MECHANISM } from './trap-table.ts';
import { MMU_UPDATE_MECHANISM } from './mmu-update.ts';
import { MMUEXT_OP_MECHANISM } from './mmuext.ts';
import { UPDATE_DESCRIPTOR_MECHANISM } from './descriptor.ts';
import { MEMORY_OP_MECHANISM } from './memory-op.ts';
import { MULTICALL_MECHANISM } from './multicall.ts';
import { IRET_MECHANISM } from './iret.ts';
import { EMUL_PRIV_OP_MECHANISM } from './emul-priv-op.ts';
import { DEBUGREG_MECHANISM } from './debugreg.ts';
import { SET_GDT_MECHANISM } from './gdt.ts';
// xenlab: end memory-mechanism-imports
// xenlab: region console-send-import from 06 until 07
import { CONSOLE_SEND_MECHANISM } from './console-send.ts';
// xenlab: end console-send-import
// xenlab: region event-mechanism-imports from 07
import { EVENT_CHANNEL_MECHANISM } from './event-channel-op.ts';
import { CALLBACK_MECHANISM } from './callback.ts';
import { TIMER_MECHANISM } from './timer.ts';
import { POLL_MECHANISM } from './poll.ts';
import { VCPU_OP_MECHANISM } from './vcpu.ts';
import { RUNSTATE_MECHANISM } from './runstate.ts';
import { FAILSAFE_MECHANISM } from './failsafe.ts';
// xenlab: end event-mechanism-imports

export const MECHANISMS: readonly Mechanism[] = [
  // Chapter 02: the first hypercalls.
  CONSOLE_MECHANISM,
  SCHED_OP_MECHANISM,
  XEN_VERSION_MECHANISM,
  VM_ASSIST_MECHANISM,
  CPUID_MECHANISM,
  // xenlab: region time-mechanisms from 03
  // Chapter 03: time, and dom0 setting the time of day.
  TIME_MECHANISM,
  PLATFORM_MECHANISM,
  // xenlab: end time-mechanisms
  // xenlab: region shared-info-mapping from 03 until 05
  // Until chapter 05's page-table updates: update_va_mapping maps the shared info page only.
  SHARED_INFO_MAPPING_MECHANISM,
  // xenlab: end shared-info-mapping
  // xenlab: region grant-mechanisms from 04
  // Chapter 04: grant tables, and domain 0 controlling domains by hypercall.
  GRANT_TABLES_MECHANISM,
  DOMCTL_MECHANISM,
  // xenlab: end grant-mechanisms
  // xenlab: region memory-mechanisms from 05
  // Chapter 05: memory management. A write to a guest's L1 under the writable-pagetables assist
  // is Xen's to commit, so its hook runs before the bounce that would give the guest the fault;
  // so does the emulation of the privileged instructions Xen lets the kernel use.
  PTWR_MECHANISM,
  EMUL_PRIV_OP_MECHANISM,
  BOUNCE_MECHANISM,
  TRAP_TABLE_MECHANISM,
  MMU_UPDATE_MECHANISM,
  MMUEXT_OP_MECHANISM,
  UPDATE_DESCRIPTOR_MECHANISM,
  MEMORY_OP_MECHANISM,
  MULTICALL_MECHANISM,
  IRET_MECHANISM,
  DEBUGREG_MECHANISM,
  SET_GDT_MECHANISM,
  // xenlab: end memory-mechanisms
  // xenlab: region console-send-mechanism from 06 until 07
  // Until chapter 07's event channels: EVTCHNOP_send on the console port reaches the back end.
  CONSOLE_SEND_MECHANISM,
  // xenlab: end console-send-mechanism
  // xenlab: region event-mechanisms from 07
  // Chapter 07: event channels, the callbacks that deliver them, timers, SCHEDOP_poll, vCPUs.
  EVENT_CHANNEL_MECHANISM,
  CALLBACK_MECHANISM,
  TIMER_MECHANISM,
  POLL_MECHANISM,
  VCPU_OP_MECHANISM,
  RUNSTATE_MECHANISM,
  FAILSAFE_MECHANISM,
  // xenlab: end event-mechanisms
];
