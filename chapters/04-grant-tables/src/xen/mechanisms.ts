// Your working copy for chapter 04, generated from solutions/xen/mechanisms.ts by npx xenlab stage.
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
import { SHARED_INFO_MAPPING_MECHANISM } from './shared-info.ts';
import { GRANT_TABLES_MECHANISM } from './grant-table-op.ts';
import { DOMCTL_MECHANISM } from './domctl.ts';

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
  // Until chapter 05's page-table updates: update_va_mapping maps the shared info page only.
  SHARED_INFO_MAPPING_MECHANISM,
  // Chapter 04: grant tables, and domain 0 controlling domains by hypercall.
  GRANT_TABLES_MECHANISM,
  DOMCTL_MECHANISM,
];
