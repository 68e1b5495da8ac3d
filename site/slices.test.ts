import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testRng, testSeed } from '../chapters/testing/index.ts';
import { asmSourcesUnder } from '../tools/asm-sources.ts';
import {
  type GuestSession,
  guestNames,
  PvSession,
  startGuest,
} from './.vitepress/theme/guest/session.ts';

// A console steps and pauses a guest wherever its reader likes: every guest must print the same
// whether it runs in one go or in small slices cut at random (seeded) places, as Step, Run and
// Pause cut it. A guest that polls shared memory for a message another is still writing, say,
// prints half of it when it is stopped at the wrong moment. Each domain's output is compared on its
// own: how two domains' output interleaves may change, as where a slice ends decides which domain
// runs next.

const files = asmSourcesUnder(join(import.meta.dirname, '..', 'solutions', 'guests'));
const decoder = new TextDecoder();

/** Runs `name` to its end, `slice()` instructions at a time; returns what its terminal shows. */
function runInSlices(name: string, slice: () => number): { session: GuestSession; text: string } {
  let text = '';
  const session = startGuest(name, files, {
    output: (bytes) => {
      text += decoder.decode(bytes);
    },
  });
  while (!session.ended && session.instructions < session.budget) {
    if (!session.run(slice()) && !session.ended) break; // idle: nothing left to run
  }
  return { session, text };
}

/** A line the host prints about a guest, dimmed (session.ts, hostLine). */
const ESC = '\u001b';
const HOST_LINE = new RegExp(`${ESC}\\[2m[^${ESC}]*${ESC}\\[0m\n`, 'g');

/**
 * What each domain printed, in order: a PV guest's console from Xen's console ring per domain
 * (in the terminal two domains' bytes may meet mid-line), and the host's lines about it
 * (`(XEN) domain 2 …`, dimmed, always whole lines), by domain.
 */
function byDomain(session: GuestSession, text: string): Record<string, string> {
  const printed: Record<string, string> =
    session instanceof PvSession
      ? Object.fromEntries([...session.xen.consoleOutput].map(([d, out]) => [`d${d}`, out]))
      : { console: text.replace(HOST_LINE, '') };
  for (const [line] of text.matchAll(HOST_LINE)) {
    const key = `host ${/domain (\d+)/.exec(line)?.[1] ?? ''}`;
    printed[key] = (printed[key] ?? '') + line;
  }
  return printed;
}

/** Different cuttings of each guest's run. */
const CUTS = 4;

describe('every guest prints the same run whole or cut into small slices', () => {
  for (const name of guestNames()) {
    it(name, () => {
      const whole = runInSlices(name, () => 200_000_000);
      // A guest that waits for its reader (fb waits for keys) ends idle: blocked, nothing to run.
      const idle = !whole.session.ended && whole.session.instructions < whole.session.budget;
      expect(whole.session.ended || idle, `${name} should end, or wait idle for input`).toBe(true);
      const rng = testRng(`slices-${name}`);
      for (let run = 1; run <= CUTS; run++) {
        const cut = runInSlices(name, () => 1 + rng.below(rng.below(4) === 0 ? 4 : 300));
        const how = `${name}, cut ${run} of ${CUTS} (XENLAB_SEED=${testSeed()})`;
        expect(byDomain(cut.session, cut.text), how).toEqual(byDomain(whole.session, whole.text));
        expect(cut.session.outcome, how).toBe(whole.session.outcome);
      }
    });
  }
});
