// 06-console-write: the book's exercise (§6.7) — the guest writes its console ring in assembly.
// The console guest greets, then echoes what is typed, so every byte it writes is known. The
// back end runs at seeded instruction boundaries, the rings start at seeded indices (wrapping at
// 2^32 too), and a back end that stops draining must stop the writer, never lose a byte.

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/index.ts';
import { consoleFeedIn } from '../src/dom0/xenconsoled.ts';
import { XENCONS_OUT_SIZE } from '../src/xen/abi.ts';
import { echoed, GREETING, guestWithConsole, hex, typedText } from './world.ts';

const FUEL = 5_000_000;
const CTRL_D = '\x04';

describe('06-console-write', () => {
  test('the greeting and the echo arrive whole and in order, the back end running anywhere', () => {
    const rng = testRng('06-console-write/interleaved');
    for (let round = 0; round < 3; round++) {
      const g = guestWithConsole('console.asm');
      const start = round === 0 ? 0 : (0x1_0000_0000 - 1 - rng.below(3000)) >>> 0;
      const inStart = round === 2 ? rng.nextU32() : start;
      g.startIndices(start, inStart);
      const typed = typedText(rng, 200 + rng.below(2500));
      g.consoled.type(g.domain.domid, typed + CTRL_D);
      g.interleave(rng, 1 + rng.below(60), FUEL, g.service, () => g.domain.state === 'shutdown');
      g.service();
      const expected = echoed(typed);
      const got = g.output();
      const at = [...expected].findIndex((c, i) => got[i] !== c);
      expect(
        got === expected,
        `ring indices started at out ${hex(start)}, in ${hex(inStart)}: the console shows ` +
          `${got.length} bytes, ${expected.length} expected; first difference at byte ${at}: ` +
          `${JSON.stringify(got.slice(at, at + 20))} instead of ` +
          `${JSON.stringify(expected.slice(at, at + 20))}. Copy each byte to ` +
          'out[prod & 2047], publish out_prod only after the bytes (book §6.7). ' +
          g.story(),
      ).toBe(true);
      expect(g.closed, 'the back end never saw impossible indices').toEqual([]);
    }
  });

  test('a full ring stops the writer until the back end drains it, and loses nothing', () => {
    const rng = testRng('06-console-write/full');
    const g = guestWithConsole('console.asm');
    const start = rng.nextU32();
    g.startIndices(start, start);
    const typed = typedText(rng, 2 * XENCONS_OUT_SIZE + rng.below(2000)).replaceAll('\r', '.');
    let fed = 0;
    const feed = () => {
      const n = consoleFeedIn(
        g.xen.mem,
        g.ring,
        [...typed.slice(fed)].map((c) => c.charCodeAt(0)),
      );
      if (typeof n === 'number') fed += n;
    };
    // Only input moves: nobody drains `out`, so the echo fills it and the guest must wait.
    g.interleave(rng, 200, 1_000_000, feed, () => false);
    expect(
      g.outPending(),
      `with nobody draining, the guest must fill out to exactly ${XENCONS_OUT_SIZE} bytes and ` +
        'wait (out_prod - out_cons never above the ring size). ' +
        g.story(),
    ).toBe(XENCONS_OUT_SIZE);
    expect(g.domain.state, 'a guest waiting for room keeps running').not.toBe('shutdown');
    // Now the back end drains again; the rest of the input follows, then Ctrl-D.
    const rest = [...`${typed.slice(fed)}${CTRL_D}`].map((c) => c.charCodeAt(0));
    g.interleave(
      rng,
      200,
      FUEL,
      () => {
        g.service();
        const n = consoleFeedIn(g.xen.mem, g.ring, rest);
        if (typeof n === 'number') rest.splice(0, n);
      },
      () => g.domain.state === 'shutdown',
    );
    g.service();
    expect(
      g.output() === echoed(typed),
      `after the ring was full, the console shows ${g.output().length} bytes instead of ` +
        `${echoed(typed).length}: bytes were lost or repeated while the guest waited. ` +
        g.story(),
    ).toBe(true);
  });

  test('the guest notifies its back end through the console event channel', () => {
    const rng = testRng('06-console-write/notify');
    const g = guestWithConsole('console.asm');
    g.interleave(
      rng,
      500,
      200_000,
      () => {},
      () => g.outPending() === GREETING.length,
    );
    const sends = g.traces.filter(
      (t) => t.name === 'event_channel_op' && t.domid === g.domain.domid,
    );
    expect(
      sends.length,
      'after publishing its bytes, the guest calls event_channel_op(EVTCHNOP_send) on ' +
        `start_info.console.domU.evtchn (port ${g.port}) through xencons_notify. ${g.story()}`,
    ).toBeGreaterThan(0);
    expect(g.outPending(), 'the greeting is published whole').toBe(GREETING.length);
  });
});
