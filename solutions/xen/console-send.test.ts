// xenlab: file from 06
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../sim/host.ts';
import { EVTCHNOP_send, START_INFO } from './abi.ts';
import { bindConsoleEvents, doEventChannelOpConsole } from './console-send.ts';
import type { Domain } from './domain.ts';
import { EFAULT, EINVAL, ENOSYS } from './errno.ts';
import { bootTestDomain } from './testing/boot.ts';

/** Guest scratch page (pfn 32: mapped, writable, unused). */
const ARG = 0x20000;

describe('the chapter-06 EVTCHNOP_send stand-in', () => {
  it('delivers a send on the console port to domain 0 and refuses everything else', () => {
    const g = bootTestDomain();
    const startInfo = g.domain.p2m[g.domain.startInfoPfn]! * PAGE_SIZE;
    const port = g.xen.mem.read32(startInfo + START_INFO.console_domU_evtchn);
    const events: Array<[Domain, number]> = [];
    bindConsoleEvents(g.xen, (d, p) => events.push([d, p]));
    const send = (p: number, cmd = EVTCHNOP_send, arg = ARG) => {
      g.poke(ARG, new Uint8Array([p, 0, 0, 0]));
      // The handler itself: in the reference tree, chapter 07's event_channel_op is dispatched.
      const ctx = { xen: g.xen, domain: g.domain, vcpu: g.domain.vcpus[0]! };
      return doEventChannelOpConsole(ctx, new Uint32Array([cmd, arg]));
    };
    expect(send(port)).toBe(0);
    expect(events).toEqual([[g.domain, port]]);
    expect(send(port + 1)).toBe(-EINVAL);
    expect(send(port, 3)).toBe(-ENOSYS);
    expect(send(port, EVTCHNOP_send, 0xf6000000)).toBe(-EFAULT);
    expect(events.length).toBe(1);
  });
});
