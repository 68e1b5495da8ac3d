// Chapter 07's exercises: raising a port through the 2-level ABI, sending, binding two domains'
// ports together, closing, the guest's upcall handler and the single-shot timer (book §7.1–7.9).

import type { Exercise } from '../exercise.ts';

export const EXERCISES: Exercise[] = [
  {
    id: '07-set-pending',
    title: 'Raise a port: pending, selector, upcall_pending',
    points: 20,
    files: ['src/xen/event-2l.ts'],
    section: '7.1',
    hints: [
      'Three levels, each set only on an edge. First the port’s bit in evtchn_pending: ' +
        'testAndSetBit(mem, pendingWordMa(d, port), port & 31) returns whether it was set ' +
        'already; if it was, this notification adds nothing: return.',
      'A masked port (evtchnIsMasked) stops there. Otherwise set bit port / 32 of the vCPU’s ' +
        'evtchn_pending_sel (vcpuInfoMa(d, v.id) + VCPU_INFO_evtchn_pending_sel); only if that ' +
        'bit was clear, vcpuMarkEventsPending(mem, v) sets upcall_pending and wakes the vCPU.',
      'Whatever the mask, a vCPU polling on the port must hear of it: evtchnCheckPollers(d, port) ' +
        'last.',
    ],
    fuel: 2_000_000,
  },
  {
    id: '07-send',
    title: 'EVTCHNOP_send',
    points: 10,
    files: ['src/xen/event-channel.ts'],
    section: '7.6',
    hints: [
      'A port outside the domain’s allocated buckets (portIsValid) is -EINVAL.',
      'Interdomain: raise the *peer’s* port, evtchnPortSetPending(peer domain, chn.remotePort). ' +
        'IPI: raise this port itself. Unbound: nobody listens yet — drop it and return 0. Any ' +
        'other state (free, VIRQ, PIRQ) is -EINVAL: Xen raises those, not the guest.',
    ],
    fuel: 2_000_000,
  },
  {
    id: '07-bind-interdomain',
    title: 'EVTCHNOP_bind_interdomain with its checks',
    points: 20,
    files: ['src/xen/event-channel.ts'],
    section: '7.4',
    hints: [
      'DOMID_SELF names the caller. A remote domain that does not exist is -ESRCH. Take a free ' +
        'local port first (getFreePort; a negative value is the error to return).',
      'The remote port must be valid, unbound, and offered to this domain (its remoteDomid is ' +
        'ld.domid): anything else is -EINVAL and changes nothing.',
      'Then both ends become interdomain, each naming the other’s domain and port, and the new ' +
        'local port is raised at once (evtchnPortSetPending): a send on the remote end while it ' +
        'was unbound was dropped.',
    ],
    fuel: 2_000_000,
  },
  {
    id: '07-close',
    title: 'EVTCHNOP_close and the remote end',
    points: 15,
    files: ['src/xen/event-channel.ts'],
    section: '7.6',
    hints: [
      'An invalid port, a free one and the reserved port 0 are -EINVAL.',
      'A VIRQ port: the vCPU whose virqToEvtchn(v)[virq] names it forgets it, so the VIRQ can ' +
        'be bound again. An interdomain port: the peer’s end goes back to unbound, offered to ' +
        'this domain (so it may bind again).',
      'Finally free the port: freeEvtchn clears its pending bit and its vCPU.',
    ],
    fuel: 2_000_000,
  },
  {
    id: '07-upcall-handler',
    title: 'The guest’s upcall handler',
    points: 20,
    files: ['src/guests/lib/evtchn.asm'],
    section: '7.2',
    hints: [
      'Clear from the top down, each level before reading the one below: the byte ' +
        'upcall_pending, then take the selector with xchg eax, [… + VCPU_INFO_evtchn_pending_sel] ' +
        '(it leaves 0 behind).',
      'For each set bit w of the selector (bsf, btr): the word evtchn_pending[w] & ~evtchn_mask[w]; ' +
        'for each set bit b of it, clear the pending bit with lock btr before calling the handler ' +
        'of port 32w + b (EAX = the port), so an event that arrives during the handler is seen.',
      'Re-read the word after each handler: the handler may raise more ports of the same word.',
    ],
    fuel: 4_000_000,
  },
  {
    id: '07-set-timer',
    title: 'set_timer_op',
    points: 15,
    files: ['src/xen/timer.ts'],
    section: '7.9',
    hints: [
      'The deadline is an absolute system time in ns, 64 bits: EBX is the low half, ECX the ' +
        'high. 0 stops the vCPU’s single-shot timer (stopTimer).',
      'A deadline with the top bit set (a negative s_time_t) or more than 2^50 ns after now ' +
        '(getSTime(ctx.xen.time)) is a guest bug Xen papers over: the timer fires 100 ms from now.',
      'Otherwise setTimer(vcpuTimers(v).singleshot, deadline); one already past fires at once. ' +
        'Always return 0.',
    ],
    fuel: 2_000_000,
  },
];
