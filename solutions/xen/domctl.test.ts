// xenlab: file from 04
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PhysMemory } from '../../sim/host.ts';
import { Privcmd } from '../dom0/privcmd.ts';
import { Toolstack } from '../dom0/toolstack.ts';
import {
  domctl,
  xcDomainCreate,
  xcDomainDestroy,
  xcDomainGetinfo,
  xcDomainList,
  xcDomainPause,
  xcDomainSetmaxmem,
  xcDomainUnpause,
  xcGetPfnTypes,
  xcVcpuGetcontext,
} from '../dom0/xc-domain.ts';
import {
  __HYPERVISOR_domctl,
  CPU_USER_REGS,
  SHUTDOWN_poweroff,
  VCPU_GUEST_CONTEXT,
  XEN_DOMCTL,
  XEN_DOMCTL_CREATEDOMAIN,
  XEN_DOMCTL_createdomain,
  XEN_DOMCTL_GETPAGEFRAMEINFO3,
  XEN_DOMCTL_getdomaininfo,
  XEN_DOMCTL_getpageframeinfo3,
  XEN_DOMCTL_INTERFACE_VERSION,
  XEN_DOMCTL_PFINFO_L3TAB,
  XEN_DOMCTL_PFINFO_LPINTAB,
  XEN_DOMCTL_PFINFO_NOTAB,
  XEN_DOMCTL_PFINFO_XTAB,
  XEN_DOMCTL_pausedomain,
  XEN_DOMINF_paused,
  XEN_DOMINF_running,
  XEN_DOMINF_shutdown,
} from './abi.ts';
import { hypercallFrom } from './dom0.ts';
import { DomainState } from './domain.ts';
import { E2BIG, EACCES, EINVAL, ENOSYS, EPERM, ESRCH } from './errno.ts';
import type { HypercallTrace } from './hypercall.ts';
import { RunOutcome, runDomains } from './schedule.ts';
import { minimalKernel } from './testing/boot.ts';
import { Xen } from './xen.ts';

const spin = minimalKernel([0xeb, 0xfe]);
const config = { name: 'spin', memoryMiB: 16, cmdline: '' };

function setup() {
  const traces: HypercallTrace[] = [];
  const xen = new Xen(new PhysMemory(64 << 20), { trace: (t) => traces.push(t) });
  return { xen, privcmd: new Privcmd(xen), traces };
}

describe('domctl: domain 0 controls domains by hypercall (book §2.7)', () => {
  it('creates an empty paused domain with the handle given, and getdomaininfo lists it', () => {
    const { xen, privcmd } = setup();
    const handle = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
    const domid = xcDomainCreate(privcmd, handle);
    expect(domid).toBe(1);
    const d = xen.findDomain(domid)!;
    expect(d.state).toBe(DomainState.Created);
    expect([...d.handle]).toEqual([...handle]);
    expect(xcDomainSetmaxmem(privcmd, domid, 8192)).toBe(0);
    expect(d.maxPages).toBe(2048);
    const info = xcDomainGetinfo(privcmd, domid);
    expect(info).toMatchObject({ domid, totPages: 0, maxPages: 2048, shutdownReason: -1 });
    expect(typeof info !== 'number' && info.flags & XEN_DOMINF_paused).toBeTruthy();
    expect(typeof info !== 'number' && [...info.handle]).toEqual([...handle]);
    expect(xcDomainList(privcmd).map((i) => i.domid)).toEqual([0, 1]);
    expect(xcDomainDestroy(privcmd, domid)).toBe(0);
    expect(xcDomainList(privcmd).map((i) => i.domid)).toEqual([0]);
  });

  it("reports a guest's state and shutdown reason as getdomaininfo's flags", () => {
    const { xen, privcmd } = setup();
    const ts = new Toolstack(xen);
    const d = ts.create(spin, config);
    ts.start(d);
    const running = xcDomainGetinfo(privcmd, d.domid);
    expect(typeof running !== 'number' && running.flags & XEN_DOMINF_running).toBeTruthy();
    expect(typeof running !== 'number' && running.totPages).toBe(4096);
    xen.shutdownDomain(d, SHUTDOWN_poweroff);
    const off = xcDomainGetinfo(privcmd, d.domid);
    expect(typeof off !== 'number' && off.flags & XEN_DOMINF_shutdown).toBeTruthy();
    expect(typeof off !== 'number' && off.shutdownReason).toBe(SHUTDOWN_poweroff);
  });

  it('refuses what Xen refuses, with its errno', () => {
    const { xen, privcmd } = setup();
    const domid = xcDomainCreate(privcmd);
    const old = domctl(privcmd, XEN_DOMCTL_createdomain, 0, () => {}, 6);
    expect(old.rc, 'another interface version').toBe(-EACCES);
    expect(xen.nextDomainId, 'and no domain was made').toBe(domid + 1);
    expect(xcDomainPause(privcmd, 77), 'no such domain').toBe(-ESRCH);
    expect(xcDomainPause(privcmd, 0), 'domain 0 pausing itself').toBe(-EINVAL);
    expect(xcDomainUnpause(privcmd, domid)).toBe(0);
    expect(xcDomainUnpause(privcmd, domid), 'not paused').toBe(-EINVAL);
    const flags = domctl(privcmd, XEN_DOMCTL_createdomain, 0, (o) => {
      o.setUint32(XEN_DOMCTL.u + XEN_DOMCTL_CREATEDOMAIN.flags, 1, true);
    });
    expect(flags.rc, 'an HVM domain').toBe(-EINVAL);
    expect(domctl(privcmd, 999, domid).rc, 'an unknown command').toBe(-ENOSYS);
    expect(domctl(privcmd, XEN_DOMCTL_getdomaininfo, 0x7ff0).rc).toBe(-EINVAL);
    expect(xcDomainGetinfo(privcmd, domid + 1), 'past the last domain').toBe(-ESRCH);
    expect(xcDomainDestroy(privcmd, domid)).toBe(0);
    expect(xcDomainDestroy(privcmd, domid), 'already destroyed').toBe(-ESRCH);
  });

  it('refuses a guest: -EPERM, after the version and the target are checked', () => {
    const { xen, privcmd } = setup();
    const other = xcDomainCreate(privcmd);
    const { domain: g, layout } = xen.createDomain(spin, config);
    const va = layout.virtBase + layout.startInfoPfn * PAGE_SIZE;
    const ma = g.p2m[layout.startInfoPfn]! * PAGE_SIZE;
    const ask = (domid: number, version = XEN_DOMCTL_INTERFACE_VERSION) => {
      xen.mem.write32(ma + XEN_DOMCTL.cmd, XEN_DOMCTL_pausedomain);
      xen.mem.write32(ma + XEN_DOMCTL.interface_version, version);
      xen.mem.write16(ma + XEN_DOMCTL.domain, domid);
      return hypercallFrom(xen, g.vcpus[0]!, __HYPERVISOR_domctl, [va]);
    };
    expect(ask(other)).toBe(-EPERM);
    expect(xen.findDomain(other)!.pauseCount, 'still paused once').toBe(1);
    expect(ask(other, 8)).toBe(-EACCES);
    expect(ask(999)).toBe(-ESRCH);
  });

  it("runs the toolstack's lifecycle as domctl hypercalls from domain 0", () => {
    const { xen, traces } = setup();
    const ts = new Toolstack(xen);
    traces.length = 0;
    const d = ts.create(spin, config);
    ts.start(d);
    expect(runDomains(xen, 1000).outcome).toBe(RunOutcome.FuelExhausted);
    ts.pause(d);
    ts.unpause(d);
    ts.destroy(d);
    const domctls = traces.filter((t) => t.name === 'domctl');
    expect(domctls.every((t) => t.domid === 0 && t.result >= 0)).toBe(true);
    // createdomain, max_mem, max_vcpus, unpause, pause, unpause, destroy.
    expect(domctls.length).toBe(7);
    expect(d.state).toBe(DomainState.Destroyed);
    expect(ts.setWallclock(1_000_000_000)).toBe(0);
    expect(traces.at(-1)).toMatchObject({ domid: 0, name: 'platform_op', result: 0 });
  });

  it("gives a guest's vCPU context and its frames' table types for saving (book §5.7.3)", () => {
    const { xen, privcmd } = setup();
    const { domain: g, layout } = xen.createDomain(spin, config);
    const c = xcVcpuGetcontext(privcmd, g.domid, 0);
    if (typeof c === 'number') throw new Error(`getvcpucontext: ${c}`);
    const u = VCPU_GUEST_CONTEXT.user_regs;
    expect(c.getUint32(u + CPU_USER_REGS.eip, true)).toBe(layout.entry);
    const cr3 = c.getUint32(VCPU_GUEST_CONTEXT.ctrlreg + 12, true);
    const l3 = g.vcpus[0]!.cpu.cr3 / PAGE_SIZE;
    expect(cr3, 'CR3 as xen_pfn_to_cr3').toBe(((l3 << 12) | (l3 >>> 20)) >>> 0);
    expect(xcVcpuGetcontext(privcmd, g.domid, 3), 'no such vCPU').toBe(-EINVAL);
    const dom0Frame = xen.findDomain(0)!.p2m[0]!;
    const data = g.p2m[0]!;
    const types = xcGetPfnTypes(privcmd, g.domid, [l3, data, dom0Frame]);
    expect(types).toEqual([
      (XEN_DOMCTL_PFINFO_L3TAB | XEN_DOMCTL_PFINFO_LPINTAB) >>> 0,
      XEN_DOMCTL_PFINFO_NOTAB,
      XEN_DOMCTL_PFINFO_XTAB,
    ]);
    const many = domctl(privcmd, XEN_DOMCTL_getpageframeinfo3, g.domid, (o) => {
      o.setBigUint64(XEN_DOMCTL.u + XEN_DOMCTL_GETPAGEFRAMEINFO3.num, 1025n, true);
    });
    expect(many.rc, 'more than 1024 frames at once').toBe(-E2BIG);
  });
});
