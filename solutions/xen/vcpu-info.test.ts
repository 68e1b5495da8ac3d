// xenlab: file from 07
import { describe, expect, it } from 'vitest';
import { minimalKernel } from '../../chapters/testing/elf.ts';
import {
  EAX,
  EBP,
  EBX,
  ECX,
  EDI,
  EDX,
  ESI,
  PAGE_SIZE,
  PhysMemory,
  translateForHost,
} from '../../sim/host.ts';
import {
  __HYPERVISOR_event_channel_op,
  __HYPERVISOR_vcpu_op,
  EVTCHNOP_bind_ipi,
  EVTCHNOP_send,
  VCPU_INFO_evtchn_pending_sel,
  VCPU_INFO_evtchn_upcall_mask,
  VCPU_INFO_evtchn_upcall_pending,
  VCPUOP_register_vcpu_info,
} from './abi.ts';
import type { Vcpu } from './domain.ts';
import { EFAULT, EINVAL } from './errno.ts';
import { OWNER_FREE } from './heap.ts';
import { PGT_writable_page } from './mm.ts';
import { sharedInfoMa, vcpuInfoMa } from './shared-info.ts';
import { handleHostTrap } from './traps.ts';
import { Xen } from './xen.ts';

const OP = 0x20000; // a free, writable page of the bootstrap region
const PFN = 0x700; // a page of the guest's memory, not mapped by the bootstrap tables

function guest(vcpus = 1) {
  const xen = new Xen(new PhysMemory(64 << 20));
  const { domain: d } = xen.createDomain(minimalKernel(), {
    name: 'g',
    memoryMiB: 8,
    cmdline: '',
    vcpus,
  });
  const v0 = d.vcpus[0]!;
  const call = (nr: number, args: number[], v: Vcpu = v0) => {
    const c = v.cpu;
    c.reg32[EAX] = nr;
    [EBX, ECX, EDX, ESI, EDI, EBP].forEach((r, i) => {
      c.reg32[r] = args[i] ?? 0;
    });
    c.exitSoftware = true;
    c.exitVector = 0x82;
    handleHostTrap(xen, v);
    return c.reg32[EAX]! | 0;
  };
  const write = (words: number[]) => {
    words.forEach((w, i) => {
      xen.mem.write32(translateForHost(v0.cpu, OP + 4 * i, true), w >>> 0);
    });
  };
  /** VCPUOP_register_vcpu_info for `vcpuid`: mfn, offset. */
  const register = (vcpuid: number, mfn: number, offset: number, mfnHigh = 0) => {
    write([mfn, mfnHigh, offset, 0]);
    return call(__HYPERVISOR_vcpu_op, [VCPUOP_register_vcpu_info, vcpuid, OP]);
  };
  return { xen, d, v0, call, write, register, mfn: d.p2m[PFN]! };
}

describe('VCPUOP_register_vcpu_info', () => {
  it('moves vcpu_info into a page of the guest, contents and all, and marks every event pending', () => {
    const { xen, d, v0, register, mfn } = guest();
    const old = vcpuInfoMa(d, 0);
    expect(xen.mem.read8(old + VCPU_INFO_evtchn_upcall_mask), 'the builder masked events').toBe(1);
    expect(register(0, mfn, 128)).toBe(0);
    const ma = mfn * PAGE_SIZE + 128;
    expect(vcpuInfoMa(d, 0)).toBe(ma);
    expect(xen.mem.read8(ma + VCPU_INFO_evtchn_upcall_mask), 'copied').toBe(1);
    expect(xen.mem.read32(ma + VCPU_INFO_evtchn_pending_sel) >>> 0).toBe(0xffffffff);
    expect(xen.mem.read8(ma + VCPU_INFO_evtchn_upcall_pending)).toBe(1);
    expect(xen.heap.type[mfn]).toBe(PGT_writable_page);
    expect(v0.blocked).toBe(false);
  });

  it('events land in the new vcpu_info, not in shared_info', () => {
    const { xen, d, call, write, register, mfn } = guest();
    expect(register(0, mfn, 0)).toBe(0);
    const ma = mfn * PAGE_SIZE;
    xen.mem.write32(ma + VCPU_INFO_evtchn_pending_sel, 0);
    xen.mem.write8(ma + VCPU_INFO_evtchn_upcall_pending, 0);
    xen.mem.write32(sharedInfoMa(d) + VCPU_INFO_evtchn_pending_sel, 0);
    write([0, 0]);
    expect(call(__HYPERVISOR_event_channel_op, [EVTCHNOP_bind_ipi, OP])).toBe(0);
    const port = xen.mem.read32(translateForHost(d.vcpus[0]!.cpu, OP + 4, false));
    write([port]);
    expect(call(__HYPERVISOR_event_channel_op, [EVTCHNOP_send, OP])).toBe(0);
    expect(xen.mem.read32(ma + VCPU_INFO_evtchn_pending_sel)).toBe(1 << (port >>> 5));
    expect(xen.mem.read8(ma + VCPU_INFO_evtchn_upcall_pending)).toBe(1);
    expect(xen.mem.read32(sharedInfoMa(d) + VCPU_INFO_evtchn_pending_sel)).toBe(0);
  });

  it('refuses what map_vcpu_info refuses with -EINVAL, a bad argument with -EFAULT', () => {
    const { d, v0, call, register, mfn } = guest(2);
    expect(register(0, mfn, 4096 - 63), 'past the last 64 bytes').toBe(-EINVAL);
    expect(register(0, mfn, 0, 1), 'an MFN above 4 GiB').toBe(-EINVAL);
    const l3 = v0.cpu.cr3 / PAGE_SIZE;
    expect(register(0, l3, 0), 'a page table cannot be writable').toBe(-EINVAL);
    expect(register(0, 0x10, 0), 'a frame that is not the domain’s').toBe(-EINVAL);
    expect(call(__HYPERVISOR_vcpu_op, [VCPUOP_register_vcpu_info, 0, 0xf5800000])).toBe(-EFAULT);
    expect(register(1, mfn, 64), 'another vCPU, but down: allowed').toBe(0);
    expect(register(1, mfn, 128), 'twice').toBe(-EINVAL);
    d.vcpus[1]!.online = true;
    expect(register(0, mfn, 0), 'its own, once').toBe(0);
  });

  it('another vCPU that is up cannot be moved', () => {
    const { d, register, mfn } = guest(2);
    d.vcpus[1]!.online = true;
    expect(register(1, mfn, 0)).toBe(-EINVAL);
  });

  it('the frame goes back to the heap when the domain is destroyed', () => {
    const { xen, d, register, mfn } = guest();
    expect(register(0, mfn, 0)).toBe(0);
    xen.destroyDomain(d);
    expect(xen.heap.owner[mfn]).toBe(OWNER_FREE);
    expect(xen.heap.typeCount[mfn]).toBe(0);
  });
});
