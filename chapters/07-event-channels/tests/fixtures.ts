// Chapter 07's test fixtures: guests on one Xen whose event_channel_op calls the test makes as
// if each guest ran `int $0x82`, and readers of the 2-level bits in their shared info pages.

import {
  EAX,
  EBP,
  EBX,
  ECX,
  EDI,
  EDX,
  ESI,
  PhysMemory,
  translateForHost,
} from '../../../sim/host.ts';
import { minimalKernel } from '../../testing/elf.ts';
import {
  __HYPERVISOR_event_channel_op,
  DOMID_SELF,
  EVTCHNOP_alloc_unbound,
  EVTCHNOP_bind_interdomain,
  EVTCHNOP_close,
  EVTCHNOP_send,
  SHARED_INFO,
  VCPU_INFO_evtchn_pending_sel,
  VCPU_INFO_evtchn_upcall_mask,
  VCPU_INFO_evtchn_upcall_pending,
  VCPU_INFO_SIZE,
} from '../src/xen/abi.ts';
import type { Domain, Vcpu } from '../src/xen/domain.ts';
import { ECS } from '../src/xen/event-channel.ts';
import { handleHostTrap } from '../src/xen/traps.ts';
import { Xen } from '../src/xen/xen.ts';

/** A free, writable page of every test guest's bootstrap region: the operation's structure. */
export const OP = 0x20000;

export const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** A fresh Xen with `n` paused guests built from the minimal kernel. */
export function world(n = 2) {
  const xen = new Xen(new PhysMemory(64 << 20));
  const domains = Array.from(
    { length: n },
    (_, i) =>
      xen.createDomain(minimalKernel(), { name: `d${i + 1}`, memoryMiB: 8, cmdline: '' }).domain,
  );
  const mem = xen.mem;
  const call = (v: Vcpu, nr: number, args: number[]) => {
    const c = v.cpu;
    c.reg32[EAX] = nr;
    [EBX, ECX, EDX, ESI, EDI, EBP].forEach((r, i) => {
      c.reg32[r] = args[i] ?? 0;
    });
    c.exitSoftware = true;
    c.exitVector = 0x82;
    c.exitHasErrorCode = false;
    handleHostTrap(xen, v);
    return c.reg32[EAX]! | 0;
  };
  const ma = (d: Domain, va: number) => translateForHost(d.vcpus[0]!.cpu, va, true);
  /** event_channel_op(cmd, OP) from `d`'s vCPU 0 with u32 `words` at OP: rc and the words after. */
  /** Writes u32 `words` at guest address `va` of `d`. */
  const write = (d: Domain, va: number, words: number[]) => {
    words.forEach((w, i) => {
      mem.write32(ma(d, va + i * 4), w >>> 0);
    });
  };
  const op = (d: Domain, cmd: number, words: number[]) => {
    write(d, OP, words);
    const rc = call(d.vcpus[0]!, __HYPERVISOR_event_channel_op, [cmd, OP]);
    return { rc, out: words.map((_, i) => mem.read32(ma(d, OP + i * 4)) >>> 0) };
  };
  const si = (d: Domain) => d.sharedInfoMfn * 4096;
  const bit = (base: number, port: number) =>
    (mem.read32(base + (port >>> 5) * 4) >>> (port & 31)) & 1;
  const info = (d: Domain, v: number) => si(d) + v * VCPU_INFO_SIZE;
  return {
    xen,
    mem,
    domains,
    call,
    write,
    op,
    /** alloc_unbound in `d` (DOMID_SELF unless `dom`) for `remote`: { rc, port }. */
    allocUnbound(d: Domain, remote: number, dom = DOMID_SELF) {
      const r = op(d, EVTCHNOP_alloc_unbound, [(dom & 0xffff) | (remote << 16), 0]);
      return { rc: r.rc, port: r.out[1]! };
    },
    /** bind_interdomain from `d` to `port` of `remote`: { rc, port }. */
    bindInterdomain(d: Domain, remote: number, port: number) {
      const r = op(d, EVTCHNOP_bind_interdomain, [remote, port, 0xdead]);
      return { rc: r.rc, port: r.out[2]! };
    },
    send: (d: Domain, port: number) => op(d, EVTCHNOP_send, [port]).rc,
    close: (d: Domain, port: number) => op(d, EVTCHNOP_close, [port]).rc,
    pending: (d: Domain, port: number) => bit(si(d) + SHARED_INFO.evtchn_pending, port),
    masked: (d: Domain, port: number) => bit(si(d) + SHARED_INFO.evtchn_mask, port),
    setMask(d: Domain, port: number, on: boolean) {
      const at = si(d) + SHARED_INFO.evtchn_mask + (port >>> 5) * 4;
      const b = (1 << (port & 31)) >>> 0;
      mem.write32(at, on ? mem.read32(at) | b : mem.read32(at) & ~b);
    },
    clearPending(d: Domain, port: number) {
      const at = si(d) + SHARED_INFO.evtchn_pending + (port >>> 5) * 4;
      mem.write32(at, mem.read32(at) & ~(1 << (port & 31)));
    },
    selector: (d: Domain, v = 0) => mem.read32(info(d, v) + VCPU_INFO_evtchn_pending_sel) >>> 0,
    setSelector: (d: Domain, v: number, value: number) =>
      mem.write32(info(d, v) + VCPU_INFO_evtchn_pending_sel, value),
    upcallPending: (d: Domain, v = 0) => mem.read8(info(d, v) + VCPU_INFO_evtchn_upcall_pending),
    setUpcallPending: (d: Domain, v: number, value: number) =>
      mem.write8(info(d, v) + VCPU_INFO_evtchn_upcall_pending, value),
    upcallMask: (d: Domain, v = 0) => mem.read8(info(d, v) + VCPU_INFO_evtchn_upcall_mask),
    /** The domain's event-channel bits, to compare before and after an operation. */
    bits: (d: Domain) => [
      ...mem.readBytes(si(d) + SHARED_INFO.evtchn_pending, 256),
      ...mem.readBytes(si(d), VCPU_INFO_SIZE * d.vcpus.length),
    ],
  };
}

export type World = ReturnType<typeof world>;

/**
 * A connected pair, wired by hand so that tests of other exercises do not depend on
 * bind_interdomain: `b`'s port (from alloc_unbound) and a free port of `a` name each other.
 */
export function connected() {
  const w = world();
  const [a, b] = w.domains as [Domain, Domain];
  const bport = w.allocUnbound(b, a.domid).port;
  const aport = w.allocUnbound(a, b.domid).port;
  Object.assign(a.evtchn[aport]!, {
    state: ECS.Interdomain,
    remoteDomid: b.domid,
    remotePort: bport,
  });
  Object.assign(b.evtchn[bport]!, {
    state: ECS.Interdomain,
    remoteDomid: a.domid,
    remotePort: aport,
  });
  return { ...w, a, b, aport, bport };
}
