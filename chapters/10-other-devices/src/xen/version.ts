// Your working copy for chapter 10, generated from solutions/xen/version.ts by npx xenlab stage.
// xen_version: which Xen this is and what it offers the guest: book §2.3; Xen
// xen/common/kernel.c (do_xen_version), public/version.h, docs/xen-abi.md §8.5.

import { PAGE_SIZE } from '../../../../sim/host.ts';
import {
  __HYPERVISOR_xen_version,
  HYPERVISOR_VIRT_START,
  VMASST_TYPE_pae_extended_cr3,
  XENFEAT,
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
import { EFAULT, EINVAL, ENOSYS } from './errno.ts';
import { charArray, copyFromGuest, copyToGuest, writeGuestU32 } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';
import type { Mechanism } from './mechanism.ts';

/** The Xen release whose ABI xenlab speaks: 4.1. */
export const XEN_VERSION = 4;
export const XEN_SUBVERSION = 1;
export const XEN_EXTRAVERSION = '.0-xenlab';
/** Only 32-bit PAE PV guests: the one ABI this hypervisor implements. */
export const XEN_CAPABILITIES = 'xen-3.0-x86_32p';
export const XEN_CHANGESET = 'xenlab';
/** Fixed strings, so that runs are identical everywhere (no build date, no host name). */
export const XEN_COMPILE_INFO = {
  compiler: 'TypeScript',
  compile_by: 'xenlab',
  compile_domain: 'xenlab.invalid',
  compile_date: 'xenlab',
} as const;

/** Sizes of the fixed char arrays of public/version.h. */
const EXTRAVERSION_SIZE = 16;
const CAPABILITIES_SIZE = 1024;
const CHANGESET_SIZE = 64;
const COMMANDLINE_SIZE = 1024;

function compileInfo(): Uint8Array {
  const out = new Uint8Array(144);
  out.set(charArray(XEN_COMPILE_INFO.compiler, 64), 0);
  out.set(charArray(XEN_COMPILE_INFO.compile_by, 16), 64);
  out.set(charArray(XEN_COMPILE_INFO.compile_domain, 32), 80);
  out.set(charArray(XEN_COMPILE_INFO.compile_date, 32), 112);
  return out;
}

/**
 * XENVER_get_features, submap 0: the XENFEAT bits this hypervisor provides to `ctx.domain`.
 * pae_pgdir_above_4gb follows the pae_extended_cr3 vm_assist, as in Xen; the others arrive
 * with the chapters that implement them.
 */
function featureSubmap(ctx: HypercallContext): number {
  let submap = 0;
  if ((ctx.domain.vmAssist & (1 << VMASST_TYPE_pae_extended_cr3)) !== 0) {
    submap |= 1 << XENFEAT.pae_pgdir_above_4gb;
  }
  return submap;
}

function getFeatures(ctx: HypercallContext, arg: number): number {
  // struct xen_feature_info: submap_idx u32 @0 (in), submap u32 @4 (out).
  const info = copyFromGuest(ctx.vcpu.cpu, arg, 8);
  if (typeof info === 'number') return -EFAULT;
  const index = new DataView(info.buffer).getUint32(0, true);
  if (index !== 0) return -EINVAL;
  return writeGuestU32(ctx.vcpu.cpu, arg + 4, featureSubmap(ctx));
}

/** xen_version(cmd, arg). */
export function doXenVersion(ctx: HypercallContext, args: Uint32Array): number {
  const cmd = args[0]!;
  const arg = args[1]!;
  const cpu = ctx.vcpu.cpu;
  const copyOut = (bytes: Uint8Array) => (copyToGuest(cpu, arg, bytes) < 0 ? -EFAULT : 0);
  switch (cmd) {
    case XENVER_version:
      return (XEN_VERSION << 16) | XEN_SUBVERSION;
    case XENVER_extraversion:
      return copyOut(charArray(XEN_EXTRAVERSION, EXTRAVERSION_SIZE));
    case XENVER_compile_info:
      return copyOut(compileInfo());
    case XENVER_capabilities:
      return copyOut(charArray(XEN_CAPABILITIES, CAPABILITIES_SIZE));
    case XENVER_changeset:
      return copyOut(charArray(XEN_CHANGESET, CHANGESET_SIZE));
    case XENVER_platform_parameters:
      return writeGuestU32(cpu, arg, HYPERVISOR_VIRT_START);
    case XENVER_get_features:
      return getFeatures(ctx, arg);
    case XENVER_pagesize:
      return PAGE_SIZE;
    case XENVER_guest_handle:
      return copyOut(ctx.domain.handle);
    case XENVER_commandline:
      return copyOut(charArray(ctx.xen.commandLine, COMMANDLINE_SIZE));
    default:
      return -ENOSYS;
  }
}

export const XEN_VERSION_MECHANISM: Mechanism = {
  name: 'xen_version',
  hypercalls: {
    [__HYPERVISOR_xen_version]: doXenVersion,
  },
};
