// The `event-channels` inspector (chapter 07, book §7.1, §7.8): the guest's bound ports, and
// the two-level bits Xen and the guest exchange in its shared info page — each port's pending
// and mask bits, vCPU 0's selector, upcall_pending and upcall_mask — and the timer.

import {
  SHARED_INFO,
  VCPU_INFO_evtchn_pending_sel,
  VCPU_INFO_evtchn_upcall_mask,
  VCPU_INFO_evtchn_upcall_pending,
} from '../../../../solutions/xen/abi.ts';
import { callbacks } from '../../../../solutions/xen/callback.ts';
import { ECS } from '../../../../solutions/xen/event-channel.ts';
import { sharedInfoMa, vcpuInfoMa } from '../../../../solutions/xen/shared-info.ts';
import { getSTime } from '../../../../solutions/xen/time.ts';
import { vcpuTimers } from '../../../../solutions/xen/timer.ts';
import { type GuestSession, PvSession } from './session.ts';

export interface PortView {
  port: number;
  /** ECS_*: unbound, interdomain, virq, ipi, pirq. */
  state: string;
  /** What it is connected to, in words (`d0 port 5`, `VIRQ 0`). */
  detail: string;
  vcpu: number;
  pending: boolean;
  masked: boolean;
}

export interface EventChannelsView {
  ports: PortView[];
  /** vCPU 0's evtchn_pending_sel, as 32 bits. */
  selector: number;
  upcallPending: number;
  upcallMask: number;
  /** Where the event callback is (0: none registered). */
  callback: number;
  /** vCPU 0's single-shot timer: ns of system time from now, or null when not set. */
  timerIn: number | null;
}

/** A PV guest's event channels; null for a guest without them. */
export function eventChannels(session: GuestSession): EventChannelsView | null {
  if (!(session instanceof PvSession)) return null;
  const { domain, xen } = session;
  const mem = xen.mem;
  const si = sharedInfoMa(domain);
  const bit = (base: number, port: number) =>
    ((mem.read32(si + base + (port >>> 5) * 4) >>> (port & 31)) & 1) === 1;
  const ports: PortView[] = [];
  domain.evtchn.forEach((chn, port) => {
    if (chn.state === ECS.Free || chn.state === ECS.Reserved) return;
    const detail =
      chn.state === ECS.Interdomain
        ? `d${chn.remoteDomid} port ${chn.remotePort}`
        : chn.state === ECS.Unbound
          ? `offered to d${chn.remoteDomid}`
          : chn.state === ECS.Virq
            ? `VIRQ ${chn.virq}`
            : chn.state === ECS.Pirq
              ? `PIRQ ${chn.pirq}`
              : '';
    ports.push({
      port,
      state: chn.state,
      detail,
      vcpu: chn.notifyVcpu,
      pending: bit(SHARED_INFO.evtchn_pending, port),
      masked: bit(SHARED_INFO.evtchn_mask, port),
    });
  });
  const info = vcpuInfoMa(domain, 0);
  const v0 = domain.vcpus[0]!;
  const timer = vcpuTimers(v0).singleshot.expires;
  return {
    ports,
    selector: mem.read32(info + VCPU_INFO_evtchn_pending_sel) >>> 0,
    upcallPending: mem.read8(info + VCPU_INFO_evtchn_upcall_pending),
    upcallMask: mem.read8(info + VCPU_INFO_evtchn_upcall_mask),
    callback: callbacks(v0).event.address,
    timerIn: timer < 0 ? null : timer - getSTime(xen.time),
  };
}
