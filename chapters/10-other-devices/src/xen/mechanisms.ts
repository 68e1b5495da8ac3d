// Your working copy for chapter 10, generated from solutions/xen/mechanisms.ts by npx xenlab stage.
// The mechanisms this hypervisor is built with, in the order their hooks run: book ch. 2; Xen's
// Kconfig and xen/include/hypercall-defs.c, which decide what a build of Xen contains.
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
import { TIME_MECHANISM } from './time.ts';
import { PLATFORM_MECHANISM } from './platform.ts';
import { GRANT_TABLES_MECHANISM } from './grant-table-op.ts';
import { DOMCTL_MECHANISM } from './domctl.ts';
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
import { EVENT_CHANNEL_MECHANISM } from './event-channel-op.ts';
import { CALLBACK_MECHANISM } from './callback.ts';
import { TIMER_MECHANISM } from './timer.ts';
import { POLL_MECHANISM } from './poll.ts';
import { VCPU_OP_MECHANISM } from './vcpu.ts';
import { RUNSTATE_MECHANISM } from './runstate.ts';
import { FAILSAFE_MECHANISM } from './failsafe.ts';

export const MECHANISMS: readonly Mechanism[] = [
  // Chapter 02: the first hypercalls.
  CONSOLE_MECHANISM,
  SCHED_OP_MECHANISM,
  XEN_VERSION_MECHANISM,
  VM_ASSIST_MECHANISM,
  CPUID_MECHANISM,
  // Chapter 03: time, and dom0 setting the time of day.
  TIME_MECHANISM,
  PLATFORM_MECHANISM,
  // Chapter 04: grant tables, and domain 0 controlling domains by hypercall.
  GRANT_TABLES_MECHANISM,
  DOMCTL_MECHANISM,
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
  // Chapter 07: event channels, the callbacks that deliver them, timers, SCHEDOP_poll, vCPUs.
  EVENT_CHANNEL_MECHANISM,
  CALLBACK_MECHANISM,
  TIMER_MECHANISM,
  POLL_MECHANISM,
  VCPU_OP_MECHANISM,
  RUNSTATE_MECHANISM,
  FAILSAFE_MECHANISM,
];
