// The bridge as a learning switch: flooding, learning, never back to the sender, never to a port
// the destination does not live behind, and frames that cross unchanged; a seeded mix checked
// against a model of the forwarding database.
// xenlab: file from 09
import { describe, expect, it } from 'vitest';
import { Prng } from '../../sim/host.ts';
import { Bridge, type BridgePort, formatMac } from './bridge.ts';

const BROADCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
const mac = (n: number) => [0x02, 0, 0, 0, 0, n];

function frame(dst: number[], src: number[], payload: number[] = [0x08, 0x06, 1, 2, 3]) {
  return Uint8Array.from([...dst, ...src, ...payload]);
}

class Port implements BridgePort {
  readonly name: string;
  readonly got: Uint8Array[] = [];
  constructor(name: string) {
    this.name = name;
  }
  deliver(f: Uint8Array): void {
    this.got.push(f);
  }
}

function bridgeOf(n: number) {
  const bridge = new Bridge();
  const ports = Array.from({ length: n }, (_, i) => new Port(`vif${i + 1}.0`));
  for (const p of ports) bridge.addPort(p);
  return { bridge, ports };
}

describe('bridge', () => {
  it('floods a broadcast to every other port, learns its source, then forwards unicast only there', () => {
    const { bridge, ports } = bridgeOf(3);
    const [a, b, c] = ports as [Port, Port, Port];
    const arp = frame(BROADCAST, mac(1));
    bridge.input(a, arp);
    expect([a.got, b.got, c.got]).toEqual([[], [arp], [arp]]);
    expect(bridge.lookup('02:00:00:00:00:01')).toBe('vif1.0');
    const reply = frame(mac(1), mac(2));
    bridge.input(b, reply);
    expect([a.got, b.got, c.got]).toEqual([[reply], [arp], [arp]]);
    expect(a.got[0]).toBe(reply); // the same bytes, unchanged
  });

  it('floods a frame for an unknown address, drops one for an address behind its own port', () => {
    const { bridge, ports } = bridgeOf(3);
    const [a, b, c] = ports as [Port, Port, Port];
    bridge.input(a, frame(mac(9), mac(1)));
    expect([b.got.length, c.got.length]).toEqual([1, 1]);
    bridge.input(a, frame(mac(1), mac(5))); // mac 1 lives behind a: nobody else gets it
    expect([a.got.length, b.got.length, c.got.length]).toEqual([0, 1, 1]);
  });

  it('never learns a group address as a source; forgets what a removed port taught it', () => {
    const { bridge, ports } = bridgeOf(2);
    const [a, b] = ports as [Port, Port];
    bridge.input(a, frame(mac(2), BROADCAST));
    expect(bridge.lookup('ff:ff:ff:ff:ff:ff')).toBeUndefined();
    bridge.input(a, frame(BROADCAST, mac(1)));
    bridge.removePort(a);
    expect(bridge.lookup('02:00:00:00:00:01')).toBeUndefined();
    bridge.input(a, frame(BROADCAST, mac(1))); // from a port no longer on the bridge
    expect(b.got.length).toBe(2);
  });

  it('drops a frame shorter than an Ethernet header', () => {
    const { bridge, ports } = bridgeOf(2);
    bridge.input(ports[0]!, Uint8Array.from([...BROADCAST, 2, 0, 0, 0, 0, 1, 8]));
    expect(ports[1]!.got).toEqual([]);
  });

  it('a seeded mix of 2000 frames among 5 ports goes exactly where a model says', () => {
    const rng = new Prng(2109);
    const { bridge, ports } = bridgeOf(5);
    const learned = new Map<string, number>();
    const expected = ports.map(() => [] as Uint8Array[]);
    for (let i = 0; i < 2000; i++) {
      const from = rng.below(5);
      const src = mac(1 + rng.below(8));
      const dst = rng.below(6) === 0 ? BROADCAST : mac(1 + rng.below(8));
      const f = frame(dst, src, [i & 0xff, i >> 8, rng.below(256)]);
      learned.set(formatMac(f, 6), from);
      const to = dst === BROADCAST ? undefined : learned.get(formatMac(f, 0));
      ports.forEach((_, p) => {
        if (p !== from && (to === undefined || to === p)) expected[p]!.push(f);
      });
      bridge.input(ports[from]!, f);
    }
    ports.forEach((p, i) => {
      expect(p.got).toEqual(expected[i]);
    });
  });
});
