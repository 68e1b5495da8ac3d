// 09-xenbus-backend: the back end's answer to each state of the front end, as Linux's
// frontend_changed gives it (book §9.1.1; Xen public/io/xenbus.h).

import { describe, expect, test } from 'vitest';
import { XENBUS_CLOSED, XENBUS_CLOSING, XENBUS_CONNECTED } from '../../testing/blkfront.ts';
import { backendAction, XenbusState as S } from '../src/dom0/xenbus.ts';
import { blkWorld } from './fixtures.ts';

const name = (state: number) => Object.keys(S).find((k) => S[k as keyof typeof S] === state);

describe('09-xenbus-backend', () => {
  test('a front end ready (Initialised or Connected) is connected once, from InitWait only', () => {
    for (const front of [S.Initialised, S.Connected]) {
      expect(backendAction(S.InitWait, front), `back InitWait, front ${name(front)}`).toBe(
        'connect',
      );
      for (const back of [S.Connected, S.Closing, S.Closed]) {
        expect(
          backendAction(back, front),
          `back ${name(back)}, front ${name(front)}: connecting again would map the ring twice ` +
            '(or reopen a device the toolstack is closing)',
        ).toBe('none');
      }
    }
    expect(backendAction(S.InitWait, S.Initialising), 'the front end is not ready yet').toBe(
      'none',
    );
    expect(backendAction(S.InitWait, S.InitWait)).toBe('none');
  });

  test('closing follows the front end, once; a front end starting over gets InitWait again', () => {
    for (const back of [S.InitWait, S.Connected, S.Closing]) {
      expect(backendAction(back, S.Closing), `back ${name(back)}, front Closing`).toBe('close');
      expect(backendAction(back, S.Closed), `back ${name(back)}, front Closed`).toBe('closed');
      expect(
        backendAction(back, S.Unknown),
        `back ${name(back)}, front directory gone (Unknown)`,
      ).toBe('closed');
    }
    for (const front of [S.Closing, S.Closed, S.Unknown]) {
      expect(backendAction(S.Closed, front), `back Closed already, front ${name(front)}`).toBe(
        'none',
      );
    }
    expect(backendAction(S.Closed, S.Initialising), 'a new start after a close').toBe('reinit');
    expect(backendAction(S.Connected, S.Initialising), 'nothing to redo while connected').toBe(
      'none',
    );
  });

  test('the handshake under XenStore: InitWait, Connected, and a repeated watch changes nothing', () => {
    const { guests } = blkWorld('09-xenbus-backend/handshake');
    const { front } = guests[0]!;
    expect(front.backState(), 'the back end waits for the front end after probing').toBe(
      S.InitWait,
    );
    expect(front.connect(), 'Initialised front end: the back end connects').toBe(XENBUS_CONNECTED);
    // The front end writes Connected (and again): the watch fires each time.
    front.setState(XENBUS_CONNECTED);
    front.g.dom0Turn();
    front.setState(XENBUS_CONNECTED);
    front.g.dom0Turn();
    expect(front.backState(), 'still Connected: a second connect fails and closes').toBe(
      XENBUS_CONNECTED,
    );
  });

  test('the front end closes, the back end follows, and a front end starting over reconnects', () => {
    const { guests } = blkWorld('09-xenbus-backend/close');
    const { front } = guests[0]!;
    front.connect();
    front.setState(XENBUS_CLOSING);
    front.g.dom0Turn();
    expect(front.backState(), 'front Closing').toBe(XENBUS_CLOSING);
    front.setState(XENBUS_CLOSED);
    front.g.dom0Turn();
    expect(front.backState(), 'front Closed').toBe(XENBUS_CLOSED);
    front.setState(S.Initialising);
    front.g.dom0Turn();
    expect(front.backState(), 'front Initialising after Closed: the back end waits again').toBe(
      S.InitWait,
    );
    expect(front.connect(), 'and connects the new ring').toBe(XENBUS_CONNECTED);
  });
});
