// 08-watch-events: which watches a change of a node fires, with which path and token (book
// §8.5; Xen's watch.c).

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/index.ts';
import { XsClient } from '../src/dom0/xenstored/client.ts';
import { type Watch, watchEvents } from '../src/dom0/xenstored/watch.ts';
import { Xenstored } from '../src/dom0/xenstored/xenstored.ts';

const abs = (path: string, token: string): Watch => ({ path, token, prefixLength: 0 });

describe('08-watch-events', () => {
  test('a watch fires for its path and everything below, not for a longer name', () => {
    const rng = testRng('08-watch-events/below');
    const n = 1 + rng.below(50);
    const w = abs(`/local/domain/${n}/device`, `tok${rng.below(1000)}`);
    const cases: [string, boolean][] = [
      [w.path, true],
      [`${w.path}/vif/0/state`, true],
      [`${w.path}-model`, false],
      [`/local/domain/${n}`, false],
      [`/local/domain/${n + 1}/device`, false],
    ];
    for (const [path, fires] of cases) {
      expect(
        watchEvents([w], path, false),
        `a watch on ${w.path} and a change of ${path}: ${fires ? 'fires' : 'stays quiet'}`,
      ).toEqual(fires ? [{ path, token: w.token }] : []);
    }
    expect(watchEvents([abs('/', 'root')], `/anything/${n}`, false)).toEqual([
      { path: `/anything/${n}`, token: 'root' },
    ]);
  });

  test('exact changes fire only watches on the path itself', () => {
    const watches = [abs('/a', 'parent'), abs('/a/b', 'self'), abs('/a/b/c', 'child')];
    expect(watchEvents(watches, '/a/b', true), 'exact: only the watch on /a/b').toEqual([
      { path: '/a/b', token: 'self' },
    ]);
    expect(watchEvents(watches, '/a/b', false), 'not exact: /a and /a/b, in order').toEqual([
      { path: '/a/b', token: 'parent' },
      { path: '/a/b', token: 'self' },
    ]);
  });

  test('every firing watch gives one event, in the order they were set', () => {
    const rng = testRng('08-watch-events/order');
    const tokens = Array.from({ length: 3 + rng.below(5) }, (_, i) => `t${i}-${rng.below(99)}`);
    const watches = tokens.map((t, i) => abs(i % 2 === 0 ? '/x' : '/x/y', t));
    expect(watchEvents(watches, '/x/y/z', false).map((e) => e.token)).toEqual(tokens);
  });

  test('a relative watch hears a relative path', () => {
    const rng = testRng('08-watch-events/relative');
    const domid = 1 + rng.below(100);
    const home = `/local/domain/${domid}`;
    const w: Watch = { path: `${home}/memory`, token: 'm', prefixLength: home.length + 1 };
    expect(watchEvents([w], `${home}/memory/target`, false)).toEqual([
      { path: 'memory/target', token: 'm' },
    ]);
  });

  test('through xenstored: the toolstack’s write reaches the guest’s watch', () => {
    const rng = testRng('08-watch-events/store');
    const domid = 1 + rng.below(100);
    const xs = new Xenstored();
    const dom0 = new XsClient(xs);
    dom0.mkdir(`/local/domain/${domid}/memory`);
    dom0.setPerms(`/local/domain/${domid}`, [`n${domid}`]);
    dom0.setPerms(`/local/domain/${domid}/memory`, [`n${domid}`]);
    const guest = new XsClient(xs, domid);
    guest.watch('memory/target', 'balloon');
    expect(guest.takeEvents(), 'a new watch fires once at once').toEqual([
      { path: 'memory/target', token: 'balloon' },
    ]);
    const target = String(1024 * (1 + rng.below(64)));
    dom0.write(`/local/domain/${domid}/memory/target`, target);
    dom0.write(`/local/domain/${domid}/memory/static-max`, '1');
    expect(guest.takeEvents()).toEqual([{ path: 'memory/target', token: 'balloon' }]);
    expect(guest.read('memory/target')).toBe(target);
  });
});
