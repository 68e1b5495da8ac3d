// Mutants of chapter 07's exercises (grader/mutants/index.ts).

import type { Mutant } from './mutant.ts';

// Not here because no chapter test can see it: an upcall handler that reads the selector
// without swapping it for 0 (it scans words again for nothing, and loses no event), and one
// that goes to the next word after a handler instead of re-reading this one (the re-check in
// hypervisor_callback finds what it skipped).

const FLAG = '  mov byte [shared_info + VCPU_INFO_evtchn_upcall_pending], 0\n';

const HANDLER_CALL = `  lock btr [shared_info + SHARED_INFO_evtchn_pending + ecx * 4], ebx
  pushad
  shl ecx, 5
  lea eax, [ecx + ebx]          ; the port: 32w + b
  mov edx, [evtchn_handlers + eax * 4]
  test edx, edx
  jz .no_handler
  call edx
.no_handler:
  popad
`;

export const MUTANTS_07: readonly Mutant[] = [
  // 07-set-pending
  {
    name: 'set-pending-ignores-mask',
    exercise: '07-set-pending',
    file: 'xen/event-2l.ts',
    search: '    !evtchnIsMasked(mem, d, port) &&\n',
    replace: '',
    why: 'a masked port gets its pending bit only: no selector bit, no upcall',
  },
  {
    name: 'set-pending-not-an-edge',
    exercise: '07-set-pending',
    file: 'xen/event-2l.ts',
    search: '  if (testAndSetBit(mem, pendingWordMa(d, port), port & 31)) return;',
    replace: '  testAndSetBit(mem, pendingWordMa(d, port), port & 31);',
    why: 'a port already pending raises nothing new: the guest has not taken it yet',
  },
  {
    name: 'set-pending-upcall-every-time',
    exercise: '07-set-pending',
    file: 'xen/event-2l.ts',
    search:
      '    !evtchnIsMasked(mem, d, port) &&\n    !testAndSetBit(mem, selector, Math.floor(port / BITS_PER_EVTCHN_WORD))',
    replace:
      '    !evtchnIsMasked(mem, d, port) &&\n    (testAndSetBit(mem, selector, Math.floor(port / BITS_PER_EVTCHN_WORD)) || true)',
    why: 'upcall_pending is raised on the selector bit’s edge only',
  },
  {
    name: 'set-pending-wrong-selector-bit',
    exercise: '07-set-pending',
    file: 'xen/event-2l.ts',
    search:
      '    !evtchnIsMasked(mem, d, port) &&\n    !testAndSetBit(mem, selector, Math.floor(port / BITS_PER_EVTCHN_WORD))',
    replace: '    !evtchnIsMasked(mem, d, port) &&\n    !testAndSetBit(mem, selector, port & 31)',
    why: 'the selector bit names the word of the bitmap (port / 32), not the bit in it',
  },
  {
    name: 'set-pending-no-pollers',
    exercise: '07-set-pending',
    file: 'xen/event-2l.ts',
    search: '  evtchnCheckPollers(d, port);\n',
    replace: '',
    why: 'a vCPU in SCHEDOP_poll on the port wakes when it goes pending, masked or not',
  },
  // 07-send
  {
    name: 'send-raises-own-port',
    exercise: '07-send',
    file: 'xen/event-channel.ts',
    search: '      evtchnPortSetPending(xen.findDomain(chn.remoteDomid)!, chn.remotePort);',
    replace: '      evtchnPortSetPending(ld, port);',
    why: 'an interdomain send raises the peer’s port, in the peer’s shared info',
  },
  {
    name: 'send-unbound-refused',
    exercise: '07-send',
    file: 'xen/event-channel.ts',
    search: '    case ECS.Unbound:\n      return 0;\n    default:\n      return -EINVAL;',
    replace: '    default:\n      return -EINVAL;',
    why: 'a send on an unbound port is dropped, and that is not an error',
  },
  {
    name: 'send-any-state',
    exercise: '07-send',
    file: 'xen/event-channel.ts',
    search: '    case ECS.Unbound:\n      return 0;\n    default:\n      return -EINVAL;',
    replace: '    default:\n      return 0;',
    why: 'a send on a free or VIRQ port is -EINVAL',
  },
  // 07-bind-interdomain
  {
    name: 'bind-interdomain-any-domain',
    exercise: '07-bind-interdomain',
    file: 'xen/event-channel.ts',
    search: ' || rchn.remoteDomid !== ld.domid) return -EINVAL;',
    replace: ') return -EINVAL;',
    why: 'a port offered to another domain cannot be bound by this one',
  },
  {
    name: 'bind-interdomain-any-state',
    exercise: '07-bind-interdomain',
    file: 'xen/event-channel.ts',
    search: 'if (rchn.state !== ECS.Unbound || rchn.remoteDomid !== ld.domid) return -EINVAL;',
    replace: 'if (rchn.remoteDomid !== ld.domid) return -EINVAL;',
    why: 'only an unbound port can be bound: not one connected already, not an IPI',
  },
  {
    name: 'bind-interdomain-not-raised',
    exercise: '07-bind-interdomain',
    file: 'xen/event-channel.ts',
    search: '  evtchnPortSetPending(ld, lport);\n  return lport;',
    replace: '  return lport;',
    why: 'the new local port is raised: a send on the unbound end was dropped',
  },
  {
    name: 'bind-interdomain-one-end',
    exercise: '07-bind-interdomain',
    file: 'xen/event-channel.ts',
    search:
      '  rchn.state = ECS.Interdomain;\n  rchn.remoteDomid = ld.domid;\n  rchn.remotePort = lport;\n',
    replace: '',
    why: 'both ends become interdomain, each naming the other',
  },
  {
    name: 'bind-interdomain-port-unchecked',
    exercise: '07-bind-interdomain',
    file: 'xen/event-channel.ts',
    search: '  if (!portIsValid(rd, remotePort)) return -EINVAL;\n  const rchn',
    replace: '  const rchn',
    why: 'a remote port past the allocated buckets is -EINVAL, not a Xen crash',
  },
  // 07-close
  {
    name: 'close-peer-freed',
    exercise: '07-close',
    file: 'xen/event-channel.ts',
    search: '      rchn.state = ECS.Unbound;\n      rchn.remoteDomid = d.domid;',
    replace: '      rchn.state = ECS.Free;\n      rchn.remoteDomid = d.domid;',
    why: 'the peer’s end stays allocated, unbound and offered to the closer',
  },
  {
    name: 'close-peer-untouched',
    exercise: '07-close',
    file: 'xen/event-channel.ts',
    search:
      '      rchn.state = ECS.Unbound;\n      rchn.remoteDomid = d.domid;\n      rchn.remotePort = 0;\n',
    replace: '',
    why: 'the peer’s end no longer names a port that is gone',
  },
  {
    name: 'close-keeps-pending',
    exercise: '07-close',
    file: 'xen/event-channel.ts',
    search: '  freeEvtchn(xen, d, port);\n  return 0;',
    replace: '  Object.assign(d.evtchn[port]!, freePort());\n  return 0;',
    why: 'a closed port forgets its pending bit, or its next user gets a stale event',
  },
  {
    name: 'close-virq-still-bound',
    exercise: '07-close',
    file: 'xen/event-channel.ts',
    search: '        if (virqToEvtchn(v)[chn.virq] === port) virqToEvtchn(v)[chn.virq] = 0;\n',
    replace: '',
    why: 'closing a VIRQ port unbinds the VIRQ, so it can be bound again',
  },
  {
    name: 'close-reserved-port',
    exercise: '07-close',
    file: 'xen/event-channel.ts',
    search: '    case ECS.Free:\n    case ECS.Reserved:\n      return -EINVAL;\n    case ECS.Virq:',
    replace: '    case ECS.Free:\n      return -EINVAL;\n    case ECS.Virq:',
    why: 'port 0 is reserved: it can never be closed (or handed out)',
  },
  // 07-upcall-handler
  {
    name: 'upcall-clears-pending-after-handler',
    exercise: '07-upcall-handler',
    file: 'guests/lib/evtchn.asm',
    search: HANDLER_CALL,
    replace: `${HANDLER_CALL.slice(HANDLER_CALL.indexOf('\n') + 1)}${HANDLER_CALL.slice(0, HANDLER_CALL.indexOf('\n') + 1)}`,
    why: 'a port’s pending bit is cleared before its handler runs: an event raised during it is lost',
  },
  {
    name: 'upcall-never-clears-flag',
    exercise: '07-upcall-handler',
    file: 'guests/lib/evtchn.asm',
    search: `${FLAG}  xor eax, eax`,
    replace: '  xor eax, eax',
    why: 'upcall_pending is the guest’s to clear: left set, the callback takes upcalls forever',
  },
  {
    name: 'upcall-ignores-mask',
    exercise: '07-upcall-handler',
    file: 'guests/lib/evtchn.asm',
    search:
      '  mov ebx, [shared_info + SHARED_INFO_evtchn_mask + ecx * 4]\n  not ebx\n  and edx, ebx\n',
    replace: '',
    why: 'a masked port waits for its unmask, even when its word is scanned for another port',
  },
  // 07-set-timer
  {
    name: 'timer-relative',
    exercise: '07-set-timer',
    file: 'xen/timer.ts',
    search: '    setTimer(timer, hi * 2 ** 32 + lo);',
    replace: '    setTimer(timer, now + hi * 2 ** 32 + lo);',
    why: 'set_timer_op takes an absolute system time, not a delay',
  },
  {
    name: 'timer-low-half-only',
    exercise: '07-set-timer',
    file: 'xen/timer.ts',
    search: '    setTimer(timer, hi * 2 ** 32 + lo);',
    replace: '    setTimer(timer, lo);',
    why: 'the deadline is 64 bits: ECX holds the high half',
  },
  {
    name: 'timer-zero-not-stop',
    exercise: '07-set-timer',
    file: 'xen/timer.ts',
    search: '    stopTimer(timer);',
    replace: '    setTimer(timer, 0);',
    why: 'a timeout of 0 stops the timer rather than firing it at once',
  },
  {
    name: 'timer-no-clamp',
    exercise: '07-set-timer',
    file: 'xen/timer.ts',
    search: 'hi >= 0x80000000 || hi * 2 ** 32 + lo - now > TIMEOUT_LIMIT',
    replace: 'false',
    why: 'a wrapped (negative) or absurdly far deadline fires in 100 ms, as Xen does',
  },
];
