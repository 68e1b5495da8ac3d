// 08-guest-read-name: a guest kernel asks XenStore who it is — its name and domid — by writing
// requests into its ring page and notifying xenstored (book §8.4.2).

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE, PhysMemory } from '../../../sim/host.ts';
import { guestSources, renderScreen, screenMismatch, testRng } from '../../testing/index.ts';
import { Toolstack } from '../src/dom0/toolstack.ts';
import { buildGuest } from '../src/guests/index.ts';
import { START_INFO } from '../src/xen/abi.ts';
import type { HypercallTrace } from '../src/xen/hypercall.ts';
import { runDomains } from '../src/xen/schedule.ts';
import { Xen } from '../src/xen/xen.ts';

const FUEL = 2_000_000;
/** The ring's indices (struct xenstore_domain_interface). */
const REQ_CONS = 2048;
const REQ_PROD = 2052;
const RSP_CONS = 2056;
const RSP_PROD = 2060;
const EVTCHNOP_send = 4;

/** Boots xsname as domain `domid` named `name`, its ring's indices starting at `start`. */
function boot(label: string) {
  const rng = testRng(label);
  const traces: HypercallTrace[] = [];
  const xen = new Xen(new PhysMemory(48 << 20), { trace: (t) => traces.push(t) });
  const toolstack = new Toolstack(xen);
  const image = buildGuest('xsname.asm', guestSources(import.meta.url));
  // Other domains first, so the guest's domid comes from the seed too.
  const before = rng.below(4);
  for (let i = 0; i < before; i++) {
    toolstack.create(image, { name: `other${i}`, memoryMiB: 4, cmdline: '' });
  }
  const name = `guest-${rng.below(100000)}`;
  const d = toolstack.create(image, { name, memoryMiB: 8, cmdline: '' });
  const si = d.p2m[d.startInfoPfn]! * PAGE_SIZE;
  const ring = xen.mem.read32(si + START_INFO.store_mfn) * PAGE_SIZE;
  const port = xen.mem.read32(si + START_INFO.store_evtchn);
  // Free-running indices: start them where the first request wraps past the ring's end.
  const start = (1024 * (1 + rng.below(1000)) - 5 - rng.below(10)) >>> 0;
  for (const off of [REQ_CONS, REQ_PROD, RSP_CONS, RSP_PROD]) xen.mem.write32(ring + off, start);
  toolstack.start(d);
  runDomains(xen, FUEL);
  return { xen, toolstack, d, name, ring, port, start, traces };
}

describe('08-guest-read-name', () => {
  test('the guest prints the name and domid the toolstack gave it', async () => {
    const { xen, toolstack, d, name } = boot('08-guest-read-name/print');
    const mismatch = screenMismatch(await renderScreen(toolstack.console(d)), [
      `xenstore: my name is ${name}`,
      `xenstore: my domid is ${d.domid}`,
    ]);
    expect(mismatch, `${mismatch}\n${xen.logLines.join('\n')}`).toBeUndefined();
  });

  test('its requests are well-formed xs_wire on the ring, even across the ring’s end', () => {
    const { xen, ring, start, d } = boot('08-guest-read-name/ring');
    // Two READs: "name\0" and "domid\0", each after a 16-byte header.
    const sent = 16 + 5 + 16 + 6;
    const read = (off: number) => xen.mem.read32(ring + off) >>> 0;
    expect(
      (read(REQ_PROD) - start) >>> 0,
      'req_prod moved past exactly two requests: READ "name" and READ "domid"',
    ).toBe(sent);
    expect(read(REQ_CONS), 'xenstored took them all').toBe(read(REQ_PROD));
    expect(read(RSP_CONS), 'the guest took every reply').toBe(read(RSP_PROD));
    const req = (i: number) => xen.mem.read8(ring + ((start + i) & 1023));
    const header = Array.from({ length: 16 }, (_, i) => req(i));
    expect(header, 'the first header: type XS_READ (2), req_id 0, tx_id 0, len 5').toEqual([
      2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0,
    ]);
    const payload = String.fromCharCode(...Array.from({ length: 5 }, (_, i) => req(16 + i)));
    expect(payload, 'the payload at masked offsets of `req`').toBe('name\0');
    expect(d.shutdownReason, 'the guest powered off').toBe(0);
  });

  test('the guest notifies xenstored on its store channel after each request', () => {
    const { traces, port, d } = boot('08-guest-read-name/notify');
    const sends = traces.filter(
      (t) =>
        t.domid === d.domid &&
        t.name === 'event_channel_op' &&
        (t.args[0] === 'cmd=EVTCHNOP_send' || t.args[0] === `cmd=0x${EVTCHNOP_send.toString(16)}`),
    );
    expect(sends.length, 'one EVTCHNOP_send per request').toBeGreaterThanOrEqual(2);
    expect(port).toBeGreaterThan(0);
  });
});
