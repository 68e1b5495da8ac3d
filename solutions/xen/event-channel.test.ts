// xenlab: file from 07
import { describe, expect, it } from 'vitest';
import { EAX, EBP, EBX, ECX, EDI, EDX, ESI, translateForHost } from '../../sim/host.ts';
import {
  __HYPERVISOR_event_channel_op,
  __HYPERVISOR_event_channel_op_compat,
  DOMID_SELF,
  EVTCHNOP_alloc_unbound,
  EVTCHNOP_bind_interdomain,
  EVTCHNOP_bind_ipi,
  EVTCHNOP_bind_pirq,
  EVTCHNOP_bind_vcpu,
  EVTCHNOP_bind_virq,
  EVTCHNOP_close,
  EVTCHNOP_expand_array,
  EVTCHNOP_init_control,
  EVTCHNOP_reset,
  EVTCHNOP_send,
  EVTCHNOP_set_priority,
  EVTCHNOP_status,
  EVTCHNOP_unmask,
  EVTCHNSTAT_closed,
  EVTCHNSTAT_interdomain,
  EVTCHNSTAT_unbound,
  EVTCHNSTAT_virq,
  NR_EVENT_CHANNELS,
  SHARED_INFO,
  VCPU_INFO_evtchn_pending_sel,
  VCPU_INFO_evtchn_upcall_pending,
  VIRQ_CONSOLE,
  VIRQ_TIMER,
} from './abi.ts';
import type { Domain, Vcpu } from './domain.ts';
import { EEXIST, EFAULT, EINVAL, ENOENT, ENOSPC, ENOSYS, EPERM, ESRCH } from './errno.ts';
import { ECS, EVTCHNS_PER_BUCKET } from './event-channel.ts';
import { bootTestDomain, minimalKernel } from './testing/boot.ts';
import { handleHostTrap } from './traps.ts';

const OP = 0x20000; // a free, writable page of the bootstrap region

/** Two guests on one Xen; hypercalls made as either one's vCPU 0. */
function world() {
  const t = bootTestDomain();
  const other = t.xen.createDomain(minimalKernel(), { name: 'b', memoryMiB: 8, cmdline: '' });
  const a = t.domain;
  const b = other.domain;
  const mem = t.xen.mem;
  const call = (v: Vcpu, nr: number, args: number[]) => {
    const c = v.cpu;
    c.reg32[EAX] = nr;
    [EBX, ECX, EDX, ESI, EDI, EBP].forEach((r, i) => {
      c.reg32[r] = args[i] ?? 0;
    });
    c.exitSoftware = true;
    c.exitVector = 0x82;
    c.exitHasErrorCode = false;
    handleHostTrap(t.xen, v);
    return c.reg32[EAX]! | 0;
  };
  const ma = (d: Domain, va: number) => translateForHost(d.vcpus[0]!.cpu, va, true);
  /** event_channel_op(cmd, OP) from `d` with the u32 words `words` at OP; returns rc and words. */
  const op = (d: Domain, cmd: number, words: number[]) => {
    words.forEach((w, i) => {
      mem.write32(ma(d, OP + i * 4), w >>> 0);
    });
    const rc = call(d.vcpus[0]!, __HYPERVISOR_event_channel_op, [cmd, OP]);
    return { rc, out: words.map((_, i) => mem.read32(ma(d, OP + i * 4)) >>> 0) };
  };
  const allocUnbound = (d: Domain, remote: number, dom = DOMID_SELF) =>
    op(d, EVTCHNOP_alloc_unbound, [dom | (remote << 16), 0]);
  const bindInterdomain = (d: Domain, remote: number, port: number) =>
    op(d, EVTCHNOP_bind_interdomain, [remote, port, 0]);
  const send = (d: Domain, port: number) => op(d, EVTCHNOP_send, [port]).rc;
  const close = (d: Domain, port: number) => op(d, EVTCHNOP_close, [port]).rc;
  const si = (d: Domain) => d.sharedInfoMfn * 4096;
  const pending = (d: Domain, port: number) =>
    (mem.read32(si(d) + SHARED_INFO.evtchn_pending + (port >>> 5) * 4) >>> (port & 31)) & 1;
  const setMask = (d: Domain, port: number, on: boolean) => {
    const at = si(d) + SHARED_INFO.evtchn_mask + (port >>> 5) * 4;
    const bit = 1 << (port & 31);
    mem.write32(at, on ? mem.read32(at) | bit : mem.read32(at) & ~bit);
  };
  const selector = (d: Domain, v = 0) => mem.read32(si(d) + v * 64 + VCPU_INFO_evtchn_pending_sel);
  const upcallPending = (d: Domain, v = 0) =>
    mem.read8(si(d) + v * 64 + VCPU_INFO_evtchn_upcall_pending);
  return {
    ...t,
    a,
    b,
    op,
    call,
    allocUnbound,
    bindInterdomain,
    send,
    close,
    pending,
    setMask,
    selector,
    upcallPending,
  };
}

/** A connected pair: b offers a port to a, a binds it. */
function connected() {
  const w = world();
  const offer = w.allocUnbound(w.b, w.a.domid);
  expect(offer.rc).toBe(0);
  const bport = offer.out[1]!;
  const bound = w.bindInterdomain(w.a, w.b.domid, bport);
  expect(bound.rc).toBe(0);
  return { ...w, aport: bound.out[2]!, bport };
}

describe('event channel ports', () => {
  it('allocates lowest-free-first from port 1; port 0 is reserved', () => {
    const w = world();
    expect(w.allocUnbound(w.a, 0).out[1]).toBe(1);
    expect(w.allocUnbound(w.a, 0).out[1]).toBe(2);
    expect(w.close(w.a, 1)).toBe(0);
    expect(w.allocUnbound(w.a, 0).out[1]).toBe(1);
    expect(w.close(w.a, 0), 'port 0 is reserved').toBe(-EINVAL);
  });

  it('grows in buckets and stops at NR_EVENT_CHANNELS with -ENOSPC', () => {
    const w = world();
    expect(w.a.evtchn.length).toBe(EVTCHNS_PER_BUCKET);
    for (let i = 1; i < NR_EVENT_CHANNELS; i++) expect(w.allocUnbound(w.a, 0).rc).toBe(0);
    expect(w.a.evtchn.length).toBe(NR_EVENT_CHANNELS);
    expect(w.allocUnbound(w.a, 0).rc).toBe(-ENOSPC);
  });

  it('alloc_unbound for another domain needs privilege; an unknown domain is -ESRCH', () => {
    const w = world();
    expect(w.allocUnbound(w.a, 0, w.b.domid).rc).toBe(-EPERM);
    expect(w.b.evtchn.filter((c) => c.state === ECS.Unbound)).toEqual([]);
    expect(w.allocUnbound(w.a, 0, 999).rc).toBe(-ESRCH);
  });

  it('bind_interdomain connects both ends and raises the new local port', () => {
    const w = connected();
    expect(w.a.evtchn[w.aport]).toMatchObject({
      state: ECS.Interdomain,
      remoteDomid: w.b.domid,
      remotePort: w.bport,
    });
    expect(w.b.evtchn[w.bport]).toMatchObject({
      state: ECS.Interdomain,
      remoteDomid: w.a.domid,
      remotePort: w.aport,
    });
    expect(w.pending(w.a, w.aport)).toBe(1);
  });

  it('refuses a port offered to another domain, a bound port, a bad port, a missing domain', () => {
    const w = world();
    const c = w.xen.createDomain(minimalKernel(), { name: 'c', memoryMiB: 4, cmdline: '' }).domain;
    const forC = w.allocUnbound(w.b, c.domid).out[1]!;
    const before = JSON.stringify([w.a.evtchn, w.b.evtchn]);
    expect(w.bindInterdomain(w.a, w.b.domid, forC).rc).toBe(-EINVAL);
    expect(w.bindInterdomain(w.a, w.b.domid, 40).rc, 'a free port').toBe(-EINVAL);
    expect(w.bindInterdomain(w.a, w.b.domid, NR_EVENT_CHANNELS + 5).rc).toBe(-EINVAL);
    expect(w.bindInterdomain(w.a, 999, 1).rc).toBe(-ESRCH);
    expect(JSON.stringify([w.a.evtchn, w.b.evtchn]), 'nothing changed').toBe(before);
  });

  it('send raises the peer: pending, selector, upcall_pending; a second send adds nothing', () => {
    const w = connected();
    expect(w.send(w.a, w.aport)).toBe(0);
    expect(w.pending(w.b, w.bport)).toBe(1);
    expect(w.selector(w.b)).toBe(1 << (w.bport >>> 5));
    expect(w.upcallPending(w.b)).toBe(1);
    expect(w.send(w.a, w.aport)).toBe(0);
    expect(w.pending(w.b, w.bport)).toBe(1);
  });

  it('a masked port gets its pending bit only, and unmask raises it then', () => {
    const w = connected();
    w.setMask(w.b, w.bport, true);
    expect(w.send(w.a, w.aport)).toBe(0);
    expect([w.pending(w.b, w.bport), w.selector(w.b), w.upcallPending(w.b)]).toEqual([1, 0, 0]);
    expect(w.op(w.b, EVTCHNOP_unmask, [w.bport]).rc).toBe(0);
    expect([w.selector(w.b), w.upcallPending(w.b)]).toEqual([1 << (w.bport >>> 5), 1]);
  });

  it('send on a closed, foreign, out-of-range or VIRQ port is -EINVAL; unbound drops it', () => {
    const w = connected();
    expect(w.send(w.a, 50)).toBe(-EINVAL);
    expect(w.send(w.a, NR_EVENT_CHANNELS)).toBe(-EINVAL);
    const unbound = w.allocUnbound(w.a, w.b.domid).out[1]!;
    expect(w.send(w.a, unbound)).toBe(0);
    expect(w.pending(w.a, unbound)).toBe(0);
    const virq = w.op(w.a, EVTCHNOP_bind_virq, [VIRQ_TIMER, 0, 0]).out[2]!;
    expect(w.send(w.a, virq)).toBe(-EINVAL);
  });

  it('close reverts the peer to unbound, still offered to the closer, and clears pending', () => {
    const w = connected();
    expect(w.close(w.a, w.aport)).toBe(0);
    expect(w.a.evtchn[w.aport]!.state).toBe(ECS.Free);
    expect(w.pending(w.a, w.aport)).toBe(0);
    expect(w.b.evtchn[w.bport]).toMatchObject({ state: ECS.Unbound, remoteDomid: w.a.domid });
    expect(w.send(w.b, w.bport), 'sending to nobody is dropped').toBe(0);
    expect(w.close(w.a, w.aport), 'closing twice').toBe(-EINVAL);
    expect(w.bindInterdomain(w.a, w.b.domid, w.bport).rc, 'rebinding').toBe(0);
  });

  it('destroying a domain closes its ports: the peer sees its end unbound', () => {
    const w = connected();
    w.xen.destroyDomain(w.b);
    expect(w.a.evtchn[w.aport]).toMatchObject({ state: ECS.Unbound, remoteDomid: w.b.domid });
  });

  it('bind_virq: -EINVAL past NR_VIRQS or a global VIRQ off vCPU 0, -ENOENT, -EEXIST', () => {
    const w = world();
    expect(w.op(w.a, EVTCHNOP_bind_virq, [24, 0, 0]).rc).toBe(-EINVAL);
    expect(w.op(w.a, EVTCHNOP_bind_virq, [VIRQ_CONSOLE, 1, 0]).rc).toBe(-EINVAL);
    expect(w.op(w.a, EVTCHNOP_bind_virq, [VIRQ_TIMER, 5, 0]).rc).toBe(-ENOENT);
    expect(w.op(w.a, EVTCHNOP_bind_virq, [VIRQ_TIMER, 0, 0]).rc).toBe(0);
    expect(w.op(w.a, EVTCHNOP_bind_virq, [VIRQ_TIMER, 0, 0]).rc).toBe(-EEXIST);
    const st = w.op(w.a, EVTCHNOP_status, [DOMID_SELF, 1, 0, 0, 0, 0]);
    expect(st.rc).toBe(0);
    expect([st.out[2], st.out[3], st.out[4]]).toEqual([EVTCHNSTAT_virq, 0, VIRQ_TIMER]);
  });

  it('status reports each state; another domain’s port needs privilege', () => {
    const w = connected();
    const st = w.op(w.a, EVTCHNOP_status, [DOMID_SELF, w.aport, 0, 0, 0, 0]).out;
    expect([st[2], st[4]! & 0xffff, st[5]]).toEqual([EVTCHNSTAT_interdomain, w.b.domid, w.bport]);
    expect(w.op(w.a, EVTCHNOP_status, [w.b.domid, w.bport, 0, 0, 0, 0]).rc).toBe(-EPERM);
    expect(w.op(w.a, EVTCHNOP_status, [DOMID_SELF, 60, 0, 0, 0, 0]).out[2]).toBe(EVTCHNSTAT_closed);
    expect(w.op(w.a, EVTCHNOP_status, [DOMID_SELF, 64, 0, 0, 0, 0]).rc).toBe(-EINVAL);
    const offer = w.allocUnbound(w.a, w.b.domid).out[1]!;
    const u = w.op(w.a, EVTCHNOP_status, [DOMID_SELF, offer, 0, 0, 0, 0]).out;
    expect([u[2], u[4]! & 0xffff]).toEqual([EVTCHNSTAT_unbound, w.b.domid]);
  });

  it('bind_ipi and bind_vcpu check the vCPU; an IPI port cannot move', () => {
    const w = world();
    expect(w.op(w.a, EVTCHNOP_bind_ipi, [3, 0]).rc).toBe(-ENOENT);
    const ipi = w.op(w.a, EVTCHNOP_bind_ipi, [0, 0]).out[1]!;
    expect(w.send(w.a, ipi)).toBe(0);
    expect(w.pending(w.a, ipi)).toBe(1);
    expect(w.op(w.a, EVTCHNOP_bind_vcpu, [ipi, 0]).rc).toBe(-EINVAL);
    expect(w.op(w.a, EVTCHNOP_bind_vcpu, [ipi, 7]).rc).toBe(-ENOENT);
    const u = w.allocUnbound(w.a, 0).out[1]!;
    expect(w.op(w.a, EVTCHNOP_bind_vcpu, [u, 0]).rc).toBe(0);
  });

  it('bind_pirq without a grant is -EPERM; the FIFO ABI is -ENOSYS', () => {
    const w = world();
    expect(w.op(w.a, EVTCHNOP_bind_pirq, [5, 0, 0]).rc).toBe(-EPERM);
    expect(w.op(w.a, EVTCHNOP_bind_pirq, [4096, 0, 0]).rc).toBe(-EINVAL);
    for (const cmd of [EVTCHNOP_init_control, EVTCHNOP_expand_array, EVTCHNOP_set_priority]) {
      expect(w.op(w.a, cmd, [0, 0, 0, 0]).rc).toBe(-ENOSYS);
    }
  });

  it('reset closes every port of the domain; another domain needs privilege', () => {
    const w = connected();
    expect(w.op(w.a, EVTCHNOP_reset, [w.b.domid]).rc).toBe(-EPERM);
    expect(w.op(w.a, EVTCHNOP_reset, [DOMID_SELF]).rc).toBe(0);
    expect(w.a.evtchn.filter((c) => c.state !== ECS.Free).map((c) => c.state)).toEqual([
      ECS.Reserved,
    ]);
    expect(w.b.evtchn[w.bport]!.state).toBe(ECS.Unbound);
  });

  it('a structure the guest cannot read is -EFAULT; the compat form takes cmd first', () => {
    const w = world();
    expect(w.call(w.a.vcpus[0]!, __HYPERVISOR_event_channel_op, [EVTCHNOP_send, 0xfff00000])).toBe(
      -EFAULT,
    );
    const at = translateForHost(w.a.vcpus[0]!.cpu, OP, true);
    w.xen.mem.write32(at, EVTCHNOP_alloc_unbound);
    w.xen.mem.write32(at + 4, DOMID_SELF);
    expect(w.call(w.a.vcpus[0]!, __HYPERVISOR_event_channel_op_compat, [OP])).toBe(0);
    expect(w.xen.mem.read32(at + 8)).toBe(1);
  });
});
