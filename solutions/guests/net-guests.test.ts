// Two guests on domain 0's bridge, end to end: ping (ARP, then ICMP echo) and pong, each with
// netfront in assembly, netback and the bridge in domain 0, XenBus between them.
// xenlab: file from 09
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import type { BridgeEvent } from '../dom0/bridge.ts';
import { network, vifAdd } from '../dom0/netback-xenbus.ts';
import { startScenario } from '../dom0/scenarios.ts';
import { Toolstack } from '../dom0/toolstack.ts';
import { XenbusState } from '../dom0/xenbus.ts';
import { runDomains } from '../xen/schedule.ts';
import { Xen } from '../xen/xen.ts';
import { buildGuest, GUESTS } from './index.ts';

const files = asmSourcesUnder(import.meta.dirname);
const image = (guest: string) => buildGuest(GUESTS.find((g) => g.name === guest)!.main, files);

function machine() {
  const xen = new Xen(new PhysMemory(64 << 20));
  const ts = new Toolstack(xen);
  const net = network(xen, ts.xenstored);
  const trace: BridgeEvent[] = [];
  net.bridge.tap((e) => trace.push(e));
  return { xen, ts, net, trace };
}

const hex = (f: Uint8Array, from: number, to: number) =>
  Array.from(f.subarray(from, to), (b) => b.toString(16).padStart(2, '0')).join('');

describe('ping and pong on the bridge', () => {
  it('ping resolves pong by ARP and gets three echo replies; pong answers each', () => {
    const { xen, ts, trace } = machine();
    const [ping, pong] = ts.boot('ping', image, { memoryMiB: 8 });
    runDomains(xen, 5_000_000);
    expect(ts.console(ping!)).toBe(
      [
        'ping: who has 10.0.0.2',
        'ping: 10.0.0.2 is at 00:16:3e:00:02:00',
        'ping: 64 bytes from 10.0.0.2: icmp_seq=1 ttl=64',
        'ping: 64 bytes from 10.0.0.2: icmp_seq=2 ttl=64',
        'ping: 64 bytes from 10.0.0.2: icmp_seq=3 ttl=64',
        'ping: 3 packets transmitted, 3 received',
        '',
      ].join('\r\n'),
    );
    expect(ts.console(pong!)).toBe(
      [
        'pong: 10.0.0.2 is at 00:16:3e:00:02:00',
        'pong: ARP reply to 10.0.0.1',
        'pong: echo reply icmp_seq=1 to 10.0.0.1',
        'pong: echo reply icmp_seq=2 to 10.0.0.1',
        'pong: echo reply icmp_seq=3 to 10.0.0.1',
        '',
      ].join('\r\n'),
    );
    expect([ping!.state, pong!.state]).toEqual(['shutdown', 'shutdown']);
    // The wire: a broadcast ARP request (to the only other port), its unicast reply, then three
    // request/reply pairs, each to exactly one port.
    const arp = trace[0]!;
    expect([arp.from, arp.to, arp.frame.length]).toEqual(['vif1.0', ['vif2.0'], 60]);
    expect(hex(arp.frame, 0, 14)).toBe('ffffffffffff00163e0001000806');
    expect(hex(trace[1]!.frame, 0, 14)).toBe('00163e00010000163e0002000806');
    expect(trace.slice(2).map((e) => [e.from, e.to.join(), e.frame.length])).toEqual([
      ['vif1.0', 'vif2.0', 98],
      ['vif2.0', 'vif1.0', 98],
      ['vif1.0', 'vif2.0', 98],
      ['vif2.0', 'vif1.0', 98],
      ['vif1.0', 'vif2.0', 98],
      ['vif2.0', 'vif1.0', 98],
    ]);
    // Each reply carries its request's ICMP data back unchanged.
    for (let i = 2; i < 8; i += 2) {
      expect(hex(trace[i + 1]!.frame, 38, 98)).toBe(hex(trace[i]!.frame, 38, 98));
    }
  });

  it('ping asks again when nobody answered: pong joins the bridge only later', () => {
    const { xen, ts, trace } = machine();
    const [ping] = startScenario(
      ts,
      [{ guest: 'ping', cmdline: () => 'count=1', vif: true }],
      image,
      8,
    );
    runDomains(xen, 300_000);
    const alone = trace.length;
    expect(alone).toBeGreaterThanOrEqual(2); // the first request and at least one more
    expect(trace.every((e) => e.to.length === 0)).toBe(true); // flooded to nobody
    startScenario(ts, [{ guest: 'pong', cmdline: () => 'count=1', vif: true }], image, 8);
    runDomains(xen, 1_000_000);
    expect(ts.console(ping!)).toContain('ping: 1 packets transmitted, 1 received');
    expect(trace.length).toBeGreaterThan(alone);
  });

  it('a front end that publishes an unusable ring ref gets a reason in `error` and no vif', () => {
    const { xen, ts, net } = machine();
    const d = ts.create(image('hello'), { name: 'front', memoryMiB: 8, cmdline: '' });
    vifAdd(ts.xs, d.domid, 0);
    const fe = `/local/domain/${d.domid}/device/vif/0`;
    const be = `/local/domain/0/backend/vif/${d.domid}/0`;
    net.backend.poll();
    expect(ts.xs.read(`${be}/state`)).toBe(String(XenbusState.InitWait));
    expect(ts.xs.read(`${be}/feature-rx-copy`)).toBe('1');
    ts.xs.write(`${fe}/tx-ring-ref`, '8; rm -rf /');
    ts.xs.write(`${fe}/rx-ring-ref`, '9');
    ts.xs.write(`${fe}/event-channel`, '5');
    ts.xs.write(`${fe}/request-rx-copy`, '1');
    ts.xs.write(`${fe}/state`, String(XenbusState.Connected));
    net.backend.poll();
    expect(ts.xs.read(`${be}/error`)).toBe('reading tx-ring-ref: "8; rm -rf /" is not a number');
    expect(ts.xs.read(`${be}/state`)).toBe(String(XenbusState.Closing));
    expect(xen.panicReport).toBeNull();
  });

  it('a front end that does not request rx-copy is refused with the reason', () => {
    const { ts, net } = machine();
    const d = ts.create(image('hello'), { name: 'front', memoryMiB: 8, cmdline: '' });
    vifAdd(ts.xs, d.domid, 0);
    const fe = `/local/domain/${d.domid}/device/vif/0`;
    for (const [k, v] of [
      ['tx-ring-ref', '8'],
      ['rx-ring-ref', '9'],
      ['event-channel', '5'],
    ]) {
      ts.xs.write(`${fe}/${k}`, v!);
    }
    ts.xs.write(`${fe}/state`, String(XenbusState.Connected));
    net.backend.poll();
    expect(ts.xs.read(`/local/domain/0/backend/vif/${d.domid}/0/error`)).toMatch(/rx-copy/);
  });
});
