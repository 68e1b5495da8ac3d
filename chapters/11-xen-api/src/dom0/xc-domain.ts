// Your working copy for chapter 11, generated from solutions/dom0/xc-domain.ts by npx xenlab stage.
// The toolstack's domain-control calls: libxc's domctl and platform_op wrappers: book §2.7, §11;
// Xen tools/libs/ctrl/xc_domain.c (xc_domain_create, xc_domain_pause, xc_domain_getinfo, …),
// xc_misc.c, public/domctl.h, docs/xen-abi.md §8.6, §8.7.
//
// Each call lays a struct xen_domctl out in domain 0's hypercall buffer (privcmd.ts), with the
// interface version Xen expects, and makes the domctl hypercall; what Xen writes back is read
// from the same buffer. Results are 0 (or a domain id) or a negative errno, as libxc's are.

// biome-ignore-all assist/source/organizeImports: each chapter's imports stay in one block
import {
  __HYPERVISOR_domctl,
  __HYPERVISOR_platform_op,
  XEN_DOMCTL,
  XEN_DOMCTL_CREATEDOMAIN,
  XEN_DOMCTL_createdomain,
  XEN_DOMCTL_destroydomain,
  XEN_DOMCTL_GETDOMAININFO,
  XEN_DOMCTL_getdomaininfo,
  XEN_DOMCTL_INTERFACE_VERSION,
  XEN_DOMCTL_MAX_MEM,
  XEN_DOMCTL_max_mem,
  XEN_DOMCTL_pausedomain,
  XEN_DOMCTL_unpausedomain,
  XEN_DOMINF_shutdown,
  XEN_DOMINF_shutdownshift,
} from '../xen/abi.ts';
import type { Domain } from '../xen/domain.ts';
import { ESRCH, formatResult } from '../xen/errno.ts';
import { settimeOp } from '../xen/platform.ts';
import type { DomainConfig, Xen } from '../xen/xen.ts';
import { Privcmd } from './privcmd.ts';
import type { DomainControl } from './toolstack.ts';
import {
  VCPU_GUEST_CONTEXT,
  XEN_DOMCTL_GETPAGEFRAMEINFO3,
  XEN_DOMCTL_getpageframeinfo3,
  XEN_DOMCTL_getvcpucontext,
  XEN_DOMCTL_PFINFO_MAX,
  XEN_DOMCTL_VCPUCONTEXT,
} from '../xen/abi.ts';
import { XEN_DOMCTL_MAX_VCPUS, XEN_DOMCTL_max_vcpus } from '../xen/abi.ts';

/** Where the xen_domctl goes in domain 0's hypercall buffer. */
const DOMCTL_AT = 0;

/**
 * Makes domctl `cmd` on `domid`; `fill` writes the union's arguments into `op` (offsets from
 * the structure's start). Returns the hypercall's result and the structure as Xen left it.
 */
export function domctl(
  privcmd: Privcmd,
  cmd: number,
  domid: number,
  fill: (op: DataView) => void = () => {},
  version = XEN_DOMCTL_INTERFACE_VERSION,
): { rc: number; op: DataView } {
  const bytes = new Uint8Array(XEN_DOMCTL.size);
  const op = new DataView(bytes.buffer);
  op.setUint32(XEN_DOMCTL.cmd, cmd, true);
  op.setUint32(XEN_DOMCTL.interface_version, version, true);
  op.setUint16(XEN_DOMCTL.domain, domid, true);
  fill(op);
  const rc = privcmd.hypercall(__HYPERVISOR_domctl, privcmd.write(DOMCTL_AT, bytes));
  return { rc, op: new DataView(privcmd.read(DOMCTL_AT, XEN_DOMCTL.size).buffer) };
}

/** xc_domain_create: a new empty, paused domain; its id, or -errno. */
export function xcDomainCreate(privcmd: Privcmd, handle: Uint8Array = new Uint8Array(16)): number {
  const { rc, op } = domctl(privcmd, XEN_DOMCTL_createdomain, 0, (o) => {
    new Uint8Array(o.buffer, XEN_DOMCTL.u + XEN_DOMCTL_CREATEDOMAIN.handle, 16).set(handle);
  });
  return rc < 0 ? rc : op.getUint16(XEN_DOMCTL.domain, true);
}

export function xcDomainPause(privcmd: Privcmd, domid: number): number {
  return domctl(privcmd, XEN_DOMCTL_pausedomain, domid).rc;
}

export function xcDomainUnpause(privcmd: Privcmd, domid: number): number {
  return domctl(privcmd, XEN_DOMCTL_unpausedomain, domid).rc;
}

export function xcDomainDestroy(privcmd: Privcmd, domid: number): number {
  return domctl(privcmd, XEN_DOMCTL_destroydomain, domid).rc;
}

/** xc_domain_setmaxmem: the most memory the domain may hold, in KiB. */
export function xcDomainSetmaxmem(privcmd: Privcmd, domid: number, maxKiB: number): number {
  return domctl(privcmd, XEN_DOMCTL_max_mem, domid, (o) => {
    o.setBigUint64(XEN_DOMCTL.u + XEN_DOMCTL_MAX_MEM.max_memkb, BigInt(maxKiB), true);
  }).rc;
}

/** What xc_domain_getinfo reports of one domain. */
export interface XcDominfo {
  domid: number;
  /** XEN_DOMINF_* bits. */
  flags: number;
  /** SHUTDOWN_* when shut down, else -1. */
  shutdownReason: number;
  totPages: number;
  maxPages: number;
  sharedInfoFrame: number;
  nrOnlineVcpus: number;
  maxVcpuId: number;
  handle: Uint8Array;
}

/** xc_domain_getinfo for one: the first live domain with an id ≥ `from`, or -errno. */
export function xcDomainGetinfo(privcmd: Privcmd, from: number): XcDominfo | number {
  const { rc, op } = domctl(privcmd, XEN_DOMCTL_getdomaininfo, from);
  if (rc < 0) return rc;
  const u = XEN_DOMCTL.u;
  const f = XEN_DOMCTL_GETDOMAININFO;
  const u64 = (at: number) => Number(op.getBigUint64(u + at, true));
  const flags = op.getUint32(u + f.flags, true);
  return {
    domid: op.getUint16(u + f.domain, true),
    flags,
    shutdownReason:
      (flags & XEN_DOMINF_shutdown) !== 0 ? (flags >>> XEN_DOMINF_shutdownshift) & 0xff : -1,
    totPages: u64(f.tot_pages),
    maxPages: u64(f.max_pages),
    sharedInfoFrame: u64(f.shared_info_frame),
    nrOnlineVcpus: op.getUint32(u + f.nr_online_vcpus, true),
    maxVcpuId: op.getUint32(u + f.max_vcpu_id, true),
    handle: new Uint8Array(op.buffer.slice(u + f.handle, u + f.handle + 16)),
  };
}

/** Every live domain, in id order, as `xl list` asks for them. */
export function xcDomainList(privcmd: Privcmd): XcDominfo[] {
  const all: XcDominfo[] = [];
  for (let from = 0; ; ) {
    const info = xcDomainGetinfo(privcmd, from);
    if (typeof info === 'number') return all;
    all.push(info);
    from = info.domid + 1;
  }
}

/** Where getvcpucontext's vcpu_guest_context and getpageframeinfo3's array go in the buffer. */
const CONTEXT_AT = 1024;
const PFN_ARRAY_AT = 4096;

/** xc_vcpu_getcontext: vCPU `vcpu`'s vcpu_guest_context, or -errno. */
export function xcVcpuGetcontext(privcmd: Privcmd, domid: number, vcpu: number): DataView | number {
  const { rc } = domctl(privcmd, XEN_DOMCTL_getvcpucontext, domid, (o) => {
    o.setUint32(XEN_DOMCTL.u + XEN_DOMCTL_VCPUCONTEXT.vcpu, vcpu, true);
    o.setUint32(XEN_DOMCTL.u + XEN_DOMCTL_VCPUCONTEXT.ctxt, privcmd.va(CONTEXT_AT), true);
  });
  if (rc < 0) return rc;
  return new DataView(privcmd.read(CONTEXT_AT, VCPU_GUEST_CONTEXT.size).buffer);
}

/** xc_get_pfn_type_batch, in batches: each MFN's XEN_DOMCTL_PFINFO_* bits, or -errno. */
export function xcGetPfnTypes(privcmd: Privcmd, domid: number, mfns: readonly number[]) {
  const types: number[] = [];
  for (let at = 0; at < mfns.length; at += XEN_DOMCTL_PFINFO_MAX) {
    const batch = mfns.slice(at, at + XEN_DOMCTL_PFINFO_MAX);
    privcmd.writeU32(PFN_ARRAY_AT, batch);
    const { rc } = domctl(privcmd, XEN_DOMCTL_getpageframeinfo3, domid, (o) => {
      o.setBigUint64(XEN_DOMCTL.u + XEN_DOMCTL_GETPAGEFRAMEINFO3.num, BigInt(batch.length), true);
      o.setUint32(
        XEN_DOMCTL.u + XEN_DOMCTL_GETPAGEFRAMEINFO3.array,
        privcmd.va(PFN_ARRAY_AT),
        true,
      );
    });
    if (rc < 0) return rc;
    batch.forEach((_, i) => {
      types.push((privcmd.readU32(PFN_ARRAY_AT + i * 4) & 0xf0000000) >>> 0);
    });
  }
  return types;
}

/** xc_domain_max_vcpus: the domain gets vCPUs 0 … max−1. */
export function xcDomainMaxVcpus(privcmd: Privcmd, domid: number, max: number): number {
  return domctl(privcmd, XEN_DOMCTL_max_vcpus, domid, (o) => {
    o.setUint32(XEN_DOMCTL.u + XEN_DOMCTL_MAX_VCPUS.max, max, true);
  }).rc;
}

/** xc_settime's platform_op: XENPF_settime64, stamped with system time `systemTime`. */
export function xcSettime(privcmd: Privcmd, secs: number, nsecs: number, systemTime: number) {
  return privcmd.hypercall(
    __HYPERVISOR_platform_op,
    privcmd.write(DOMCTL_AT, settimeOp(secs, nsecs, systemTime)),
  );
}

/** A failed call the toolstack cannot go on from: which call, on which domain, and Xen's errno. */
function check(call: string, domid: number, rc: number): number {
  if (rc < 0) throw new Error(`toolstack: ${call}(d${domid}) failed: ${formatResult(rc)}`);
  return rc;
}

/**
 * The toolstack's domain control from chapter 04 on, as libxl's: domctl and platform_op from
 * domain 0. Building the domain's memory stays Xen's builder (xen/builder.ts), called between
 * createdomain and the first unpause: in xenlab the builder is Xen's own (chapter 02's
 * exercises), where libxc builds in domain 0 through foreign mappings.
 */
export function domctlControl(xen: Xen): DomainControl {
  const privcmd = new Privcmd(xen);
  return {
    create(image: Uint8Array, config: DomainConfig): Domain {
      const domid = check('createdomain', 0, xcDomainCreate(privcmd));
      check('max_mem', domid, xcDomainSetmaxmem(privcmd, domid, config.memoryMiB * 1024));
      const d = xen.findDomain(domid)!;
      try {
        xen.buildDomain(d, image, config);
      } catch (e) {
        xcDomainDestroy(privcmd, domid);
        throw e;
      }
      check('max_vcpus', domid, xcDomainMaxVcpus(privcmd, domid, config.vcpus ?? 1));
      return d;
    },
    pause: (d) => check('pausedomain', d.domid, xcDomainPause(privcmd, d.domid)),
    unpause: (d) => check('unpausedomain', d.domid, xcDomainUnpause(privcmd, d.domid)),
    destroy(d: Domain): number {
      const rc = xcDomainDestroy(privcmd, d.domid);
      return rc === -ESRCH ? rc : check('destroydomain', d.domid, rc);
    },
  };
}
