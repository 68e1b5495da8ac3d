// The composition tier, event channels: three guests and domain 0 issue seeded random sequences
// of event_channel_op — offers, binds (good and hostile), sends, closes, VIRQs, IPIs, moves,
// unmasks, resets — with every invariant checked after each hypercall; a guest dies with live
// channels and a new one takes its place. Every refused call must leave every port as it was.

import { describe, expect, it } from 'vitest';
import { Prng, translateForHost } from '../../sim/host.ts';
import {
  __HYPERVISOR_event_channel_op,
  DOMID_SELF,
  EVTCHNOP_alloc_unbound,
  EVTCHNOP_bind_interdomain,
  EVTCHNOP_bind_ipi,
  EVTCHNOP_bind_vcpu,
  EVTCHNOP_bind_virq,
  EVTCHNOP_close,
  EVTCHNOP_reset,
  EVTCHNOP_send,
  EVTCHNOP_status,
  EVTCHNOP_unmask,
  NR_VIRQS,
} from '../xen/abi.ts';
import { DOM0_BUFFER_VA, hypercallFrom } from '../xen/dom0.ts';
import type { Domain } from '../xen/domain.ts';
import { minimalKernel } from '../xen/testing/boot.ts';
import { checkedXen } from './checked.ts';

const OP = 0x20000;

describe('composition: event channels', () => {
  it('5 seeds × 300 steps: every invariant holds; a refused call changes no port', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const rng = new Prng(seed);
      const c = checkedXen(48);
      const spawn = (i: number) =>
        c.toolstack.create(minimalKernel(), { name: `g${i}`, memoryMiB: 4, cmdline: '' });
      const guests: Domain[] = [spawn(0), spawn(1), spawn(2)];
      const dom0 = c.xen.dom0Vcpu.domain;
      const snapshot = () =>
        JSON.stringify([...c.xen.domains.values()].map((d) => (d.destroyed ? null : d.evtchn)));
      for (let step = 0; step < 300; step++) {
        const who = rng.below(4);
        const d = who === 3 ? dom0 : guests[who]!;
        const v = d.vcpus[0]!;
        const base = who === 3 ? DOM0_BUFFER_VA : OP;
        const others = [...guests, dom0].filter((x) => x !== d);
        const peer = others[rng.below(others.length)]!;
        const port = rng.below(8) === 0 ? rng.nextU32() : rng.below(12);
        const ops: Array<[number, number[]]> = [
          [EVTCHNOP_alloc_unbound, [DOMID_SELF | (peer.domid << 16), 0]],
          [EVTCHNOP_alloc_unbound, [peer.domid | (d.domid << 16), 0]],
          [EVTCHNOP_bind_interdomain, [peer.domid, port, 0]],
          [EVTCHNOP_send, [port]],
          [EVTCHNOP_close, [port]],
          [EVTCHNOP_bind_virq, [rng.below(NR_VIRQS + 2), rng.below(2), 0]],
          [EVTCHNOP_bind_ipi, [rng.below(2), 0]],
          [EVTCHNOP_bind_vcpu, [port, rng.below(2)]],
          [EVTCHNOP_unmask, [port]],
          [EVTCHNOP_status, [peer.domid, port, 0, 0, 0, 0]],
          [EVTCHNOP_reset, [rng.below(4) === 0 ? peer.domid : DOMID_SELF]],
        ];
        const [cmd, words] = ops[rng.below(ops.length)]!;
        words.forEach((w, i) => {
          c.xen.mem.write32(translateForHost(v.cpu, base + i * 4, true), w >>> 0);
        });
        const before = snapshot();
        const rc = hypercallFrom(c.xen, v, __HYPERVISOR_event_channel_op, [cmd, base]);
        if (rc < 0)
          expect(snapshot(), `seed ${seed} step ${step}: refused, yet changed`).toBe(before);
        expect(c.violation, `seed ${seed}`).toBeNull();
        if (rng.below(60) === 0) {
          const i = rng.below(3);
          c.toolstack.destroy(guests[i]!);
          c.check(`destroying d${guests[i]!.domid}`);
          guests[i] = spawn(i);
        }
      }
      expect(c.violation, `seed ${seed}`).toBeNull();
      expect(c.checked).toBeGreaterThan(300);
    }
  });
});
