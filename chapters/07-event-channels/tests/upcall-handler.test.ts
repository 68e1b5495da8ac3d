// 07-upcall-handler: the guest's side of §7.2 (lib/evtchn.asm evtchn_do_upcall). The
// evtchn-storm guest sends on IPI ports drawn from the seed; each handler sends once more
// while events are masked, on a port of the same word or of the other, maybe its own. Every
// event must be handled after it was sent: a handler that clears a level after reading the
// one below, or a pending bit after running the handler, loses some.

import { describe, expect, test } from 'vitest';
import { PhysMemory } from '../../../sim/host.ts';
import { guestSources, testRng } from '../../testing/index.ts';
import { EXERCISES } from '../exercises.ts';
import { buildGuest } from '../src/guests/index.ts';
import { runDomains } from '../src/xen/schedule.ts';
import { Xen } from '../src/xen/xen.ts';

const fuel = EXERCISES.find((e) => e.id === '07-upcall-handler')!.fuel;

function storm(seed: number) {
  const xen = new Xen(new PhysMemory(64 << 20));
  const image = buildGuest('evtchn-storm.asm', guestSources(import.meta.url));
  const d = xen.createDomain(image, {
    name: 'storm',
    memoryMiB: 8,
    cmdline: `seed=${seed}`,
  }).domain;
  xen.unpauseDomain(d);
  runDomains(xen, fuel);
  return { d, xen, text: xen.consoleOutput.get(d.domid) ?? '' };
}

describe('07-upcall-handler', () => {
  test('a storm of IPIs raised in handlers: every event is handled after it was sent', () => {
    const rng = testRng('07-upcall-handler/storm');
    for (let i = 0; i < 3; i++) {
      const seed = rng.nextU32();
      const { d, xen, text } = storm(seed);
      expect(
        text,
        `evtchn-storm seed=${seed}: the guest counts events its handlers never saw ("lost") and ` +
          'a masked port handled before its unmask ("early"); Xen’s log:\n' +
          xen.logLines.join('\n'),
      ).toBe('rounds 200, lost 0, early 0\r\n');
      expect(d.shutdownReason, 'the guest powered off').toBe(0);
    }
  });
});
