// xenlab: file from 03
import { describe, expect, it } from 'vitest';
import { Toolstack } from '../dom0/toolstack.ts';
import { __HYPERVISOR_platform_op, SHARED_INFO, XEN_PLATFORM_OP, XENPF_settime32 } from './abi.ts';
import { Domain } from './domain.ts';
import { EACCES, EFAULT, EINVAL, ENOSYS, EPERM } from './errno.ts';
import { doPlatformOp, platformOp, settimeOp } from './platform.ts';
import { sharedInfoMa } from './shared-info.ts';
import { bootTestDomain } from './testing/boot.ts';

const BUF = 0x20000; // a writable page of the test domain's bootstrap region

describe('platform_op', () => {
  it('refuses an unprivileged domain with -EPERM and changes nothing', () => {
    const { xen, domain, hypercall, poke } = bootTestDomain();
    poke(BUF, settimeOp(1_700_000_000, 0, 0));
    const si = sharedInfoMa(domain);
    const before = xen.mem.readBytes(si + SHARED_INFO.wc_version, 12);
    expect(hypercall(__HYPERVISOR_platform_op, [BUF]) | 0).toBe(-EPERM);
    expect(xen.mem.readBytes(si + SHARED_INFO.wc_version, 12)).toEqual(before);
  });

  it('sets the time for a privileged caller, from guest memory (XENPF_settime32)', () => {
    const { xen, domain, vcpu, poke } = bootTestDomain();
    const op = settimeOp(0, 0, 0);
    const view = new DataView(op.buffer);
    view.setUint32(XEN_PLATFORM_OP.cmd, XENPF_settime32, true);
    view.setUint32(XEN_PLATFORM_OP.u, 1_234_567_890, true); // secs
    view.setUint32(XEN_PLATFORM_OP.u + 4, 250, true); // nsecs
    poke(BUF, op);
    const control = new Domain(0, 'Domain-0', true, new Uint8Array(16));
    expect(doPlatformOp({ xen, domain: control, vcpu }, Uint32Array.of(BUF))).toBe(0);
    expect(xen.mem.read32(sharedInfoMa(domain) + SHARED_INFO.wc_sec)).toBe(1_234_567_890);
    expect(doPlatformOp({ xen, domain: control, vcpu }, Uint32Array.of(0x40000000))).toBe(-EFAULT);
  });

  it('checks the interface version, mbz and the command', () => {
    const { xen } = bootTestDomain();
    const dom0 = xen.findDomain(0)!;
    const op = settimeOp(1, 2, 3);
    expect(platformOp(xen, dom0, op)).toBe(0);
    const badVersion = op.slice();
    badVersion[XEN_PLATFORM_OP.interface_version] ^= 1;
    expect(platformOp(xen, dom0, badVersion)).toBe(-EACCES);
    const mbz = op.slice();
    mbz[XEN_PLATFORM_OP.u + 12] = 1;
    expect(platformOp(xen, dom0, mbz)).toBe(-EINVAL);
    const unknown = op.slice();
    unknown[XEN_PLATFORM_OP.cmd] = 99;
    expect(platformOp(xen, dom0, unknown)).toBe(-ENOSYS);
    expect(platformOp(xen, dom0, op.subarray(0, 20))).toBe(-EFAULT);
  });

  it('is how the toolstack sets the time', () => {
    const { xen, domain } = bootTestDomain();
    expect(new Toolstack(xen).setWallclock(1_600_000_000, 7)).toBe(0);
    expect(xen.mem.read32(sharedInfoMa(domain) + SHARED_INFO.wc_sec)).toBe(1_600_000_000);
    expect(xen.mem.read32(sharedInfoMa(domain) + SHARED_INFO.wc_nsec)).toBe(7);
  });
});
