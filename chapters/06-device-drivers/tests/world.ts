// Chapter 06's test fixtures: guests whose console or ring a back end serves at seeded
// instruction boundaries, so every interleaving of the two sides a test draws can happen.

import { PAGE_SIZE, PhysMemory, type Prng } from '../../../sim/host.ts';
import { guestSources } from '../../testing/index.ts';
import { Xenconsoled } from '../src/dom0/xenconsoled.ts';
import { buildGuest } from '../src/guests/index.ts';
import { START_INFO, XENCONS } from '../src/xen/abi.ts';
import type { HypercallTrace } from '../src/xen/hypercall.ts';
import { runDomains } from '../src/xen/schedule.ts';
import { Xen } from '../src/xen/xen.ts';

export const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** Printable text with carriage returns, `length` bytes, from the seed. */
export function typedText(rng: Prng, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?\r';
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[rng.below(alphabet.length)];
  return text;
}

export const GREETING = 'Hello over the console ring! Type, and Ctrl-D ends.\r\n';

/** What the console guest writes for `typed` followed by Ctrl-D. */
export function echoed(typed: string): string {
  return `${GREETING}${typed.replaceAll('\r', '\r\n')}\r\nbye\r\n`;
}

/**
 * A guest built from `main` on a fresh Xen, paused, whose console a back end of the test's own
 * serves: nothing reaches it unless the test calls `service()`. Its hypercalls are traced.
 */
export function guestWithConsole(main: string, cmdline = '') {
  const traces: HypercallTrace[] = [];
  const xen = new Xen(new PhysMemory(48 << 20), { trace: (t) => traces.push(t) });
  const image = buildGuest(main, guestSources(import.meta.url));
  const { domain, layout } = xen.createDomain(image, { name: 'guest', memoryMiB: 16, cmdline });
  const startInfo = domain.p2m[domain.startInfoPfn]! * PAGE_SIZE;
  const ring = xen.mem.read32(startInfo + START_INFO.console_domU_mfn) * PAGE_SIZE;
  const port = xen.mem.read32(startInfo + START_INFO.console_domU_evtchn);
  const consoled = new Xenconsoled(xen.mem);
  const closed: string[] = [];
  consoled.listen({ log: (line) => closed.push(line) });
  consoled.connect(domain.domid, ring, port);
  const index = (field: number) => xen.mem.read32(ring + field) >>> 0;
  return {
    xen,
    domain,
    layout,
    traces,
    ring,
    port,
    consoled,
    closed,
    output: () => consoled.output(domain.domid),
    service: () => consoled.service(domain.domid),
    /** Bytes in `out` not yet drained, modulo 2^32 as the guest computes it. */
    outPending: () => (index(XENCONS.out_prod) - index(XENCONS.out_cons)) >>> 0,
    /** Sets all four console indices before the guest starts (it reads them from the page). */
    startIndices(outIndex: number, inIndex: number) {
      xen.mem.write32(ring + XENCONS.out_cons, outIndex >>> 0);
      xen.mem.write32(ring + XENCONS.out_prod, outIndex >>> 0);
      xen.mem.write32(ring + XENCONS.in_cons, inIndex >>> 0);
      xen.mem.write32(ring + XENCONS.in_prod, inIndex >>> 0);
    },
    /**
     * Runs the guest in slices of 1 … `maxSlice` instructions (seeded), calling `between` after
     * each, until `done()` or `fuel` instructions. Returns the instructions run.
     */
    interleave(
      rng: Prng,
      maxSlice: number,
      fuel: number,
      between: () => void,
      done: () => boolean,
    ) {
      if (!domain.started) xen.unpauseDomain(domain);
      let ran = 0;
      while (ran < fuel && !done()) {
        const r = runDomains(xen, 1 + rng.below(maxSlice));
        ran += r.instructions;
        between();
        if (domain.state === 'shutdown' || r.instructions === 0) break;
      }
      return ran;
    },
    /** Xen's log and the guest's state, for failure messages. */
    story: () =>
      `The guest is ${domain.state}${domain.shutdownReason >= 0 ? ` (reason ${domain.shutdownReason})` : ''}; ` +
      `Xen said:\n${xen.logLines.join('\n')}`,
  };
}
