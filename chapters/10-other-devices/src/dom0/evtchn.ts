// Your working copy for chapter 10, generated from solutions/dom0/evtchn.ts by npx xenlab stage.
// Domain 0's event-channel device for its TypeScript back ends: Linux's /dev/xen/evtchn and
// libxenevtchn: book §7.4, §7.6; Linux drivers/xen/evtchn.c, Xen tools/libs/evtchn.
//
// A back end in domain 0 binds ports, sends on them and wants a call when one of them goes
// pending. Every operation is domain 0's event_channel_op, made through privcmd like its other
// hypercalls, so Xen checks it as it checks a guest's. Domain 0's vCPU runs no instructions:
// in place of an event callback address, the device registers a TypeScript upcall handler
// (xen/callback.ts), which Xen's softirq work calls between guest time slices. The handler
// takes the events as a guest kernel's does — upcall_pending, then the selector, then each
// pending port, each cleared before the level below is read — and calls the port's listener.
//
// The API, for the console and XenStore back ends:
//   evtchnDevice(xen)                     the device (one per Xen, as one per dom0 kernel)
//   .allocUnbound(domid, remote)          a port of `domid` only `remote` may bind (toolstack)
//   .bindInterdomain(domid, port, fn)     a domain-0 port connected to `port` of `domid`
//   .bindVirq(virq, fn)                   a domain-0 port for a VIRQ
//   .notify(port)                         EVTCHNOP_send
//   .unbind(port)                         EVTCHNOP_close; its listener is forgotten
// Each returns the port or 0 on success, or throws with Xen's errno in the message.

import {
  __HYPERVISOR_event_channel_op,
  EVTCHN_ALLOC_UNBOUND,
  EVTCHN_BIND_INTERDOMAIN,
  EVTCHN_BIND_VIRQ,
  EVTCHNOP_alloc_unbound,
  EVTCHNOP_bind_interdomain,
  EVTCHNOP_bind_virq,
  EVTCHNOP_close,
  EVTCHNOP_send,
  SHARED_INFO,
  VCPU_INFO_evtchn_pending_sel,
  VCPU_INFO_evtchn_upcall_pending,
} from '../xen/abi.ts';
import { callbacks } from '../xen/callback.ts';
import { formatResult } from '../xen/errno.ts';
import { testAndClearBit } from '../xen/event-2l.ts';
import { sharedInfoMa, vcpuInfoMa } from '../xen/shared-info.ts';
import type { Xen } from '../xen/xen.ts';
import { Privcmd } from './privcmd.ts';

/** Called when the port goes pending (its pending bit is cleared already). */
export type EventListener = (port: number) => void;

export class EvtchnDevice {
  private readonly xen: Xen;
  private readonly privcmd: Privcmd;
  private readonly listeners = new Map<number, EventListener>();

  constructor(xen: Xen) {
    this.xen = xen;
    this.privcmd = new Privcmd(xen);
    callbacks(xen.dom0Vcpu).handler = () => this.upcall();
  }

  /** event_channel_op(cmd) on the u32 `words` in the first buffer; the words after. */
  private op(cmd: number, words: number[], what: string): number[] {
    const arg = this.privcmd.writeU32(0, words);
    const rc = this.privcmd.hypercall(__HYPERVISOR_event_channel_op, cmd, arg);
    if (rc !== 0) throw new Error(`evtchn: ${what}: ${formatResult(rc)}`);
    return words.map((_, i) => this.privcmd.readU32(i * 4));
  }

  allocUnbound(domid: number, remote: number): number {
    const out = this.op(EVTCHNOP_alloc_unbound, [domid | (remote << 16), 0], 'alloc_unbound');
    return out[EVTCHN_ALLOC_UNBOUND.port / 4]!;
  }

  bindInterdomain(domid: number, remotePort: number, fn: EventListener): number {
    const what = `bind_interdomain d${domid} port ${remotePort}`;
    const out = this.op(EVTCHNOP_bind_interdomain, [domid, remotePort, 0], what);
    return this.listen(out[EVTCHN_BIND_INTERDOMAIN.local_port / 4]!, fn);
  }

  bindVirq(virq: number, fn: EventListener): number {
    const out = this.op(EVTCHNOP_bind_virq, [virq, 0, 0], `bind_virq ${virq}`);
    return this.listen(out[EVTCHN_BIND_VIRQ.port / 4]!, fn);
  }

  notify(port: number): void {
    this.op(EVTCHNOP_send, [port], `send on port ${port}`);
  }

  unbind(port: number): void {
    this.listeners.delete(port);
    this.op(EVTCHNOP_close, [port], `close port ${port}`);
  }

  private listen(port: number, fn: EventListener): number {
    this.listeners.set(port, fn);
    return port;
  }

  /** Domain 0's upcall: every pending, unmasked port's listener, levels cleared top down. */
  private upcall(): void {
    const mem = this.xen.mem;
    const dom0 = this.xen.dom0Vcpu.domain;
    const info = vcpuInfoMa(dom0, 0);
    mem.write8(info + VCPU_INFO_evtchn_upcall_pending, 0);
    const sel = mem.read32(info + VCPU_INFO_evtchn_pending_sel) >>> 0;
    mem.write32(info + VCPU_INFO_evtchn_pending_sel, 0);
    const si = sharedInfoMa(dom0);
    for (let w = 0; w < 32; w++) {
      if (((sel >>> w) & 1) === 0) continue;
      const pendingWord = si + SHARED_INFO.evtchn_pending + w * 4;
      const maskWord = si + SHARED_INFO.evtchn_mask + w * 4;
      for (let b = 0; b < 32; b++) {
        const live = mem.read32(pendingWord) & ~mem.read32(maskWord);
        if (((live >>> b) & 1) === 0) continue;
        testAndClearBit(mem, pendingWord, b);
        this.listeners.get(w * 32 + b)?.(w * 32 + b);
      }
    }
  }
}

const devices = new WeakMap<Xen, EvtchnDevice>();

/** Domain 0's event-channel device on `xen`, opened on first use. */
export function evtchnDevice(xen: Xen): EvtchnDevice {
  let device = devices.get(xen);
  if (device === undefined) {
    device = new EvtchnDevice(xen);
    devices.set(xen, device);
  }
  return device;
}
