// 08-perm-for-conn: what a domain may do with a node, from the node's permission list — the
// rule every request on a node goes through (book §8.3).

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/index.ts';
import { XsClient, XsReplyError } from '../src/dom0/xenstored/client.ts';
import {
  permForConn,
  XS_PERM_NONE,
  XS_PERM_OWNER,
  XS_PERM_READ,
  XS_PERM_WRITE,
  type XsPermission,
} from '../src/dom0/xenstored/permissions.ts';
import { Xenstored } from '../src/dom0/xenstored/xenstored.ts';

const ALL = XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;
const LETTER: Record<number, string> = { 0: 'n', 1: 'r', 2: 'w', 3: 'b' };
const show = (perms: readonly XsPermission[]) =>
  perms.map((p) => `${LETTER[p.perms]}${p.id}`).join(' ');

/** Distinct domids 1–200 from the seed. */
function domids(label: string, n: number): number[] {
  const rng = testRng(label);
  const out = new Set<number>();
  while (out.size < n) out.add(1 + rng.below(200));
  return [...out];
}

describe('08-perm-for-conn', () => {
  test('domain 0 and the owner may do everything', () => {
    const [owner, other] = domids('08-perm-for-conn/owner', 2) as [number, number];
    const perms = [{ id: owner, perms: XS_PERM_NONE }];
    expect(
      permForConn({ domid: 0, privileged: true }, perms),
      `domain 0 on a node with list "${show(perms)}": read, write and own (${ALL})`,
    ).toBe(ALL);
    expect(
      permForConn({ domid: owner, privileged: false }, perms),
      `domain ${owner} owns a node with list "${show(perms)}" (perms[0] names the owner)`,
    ).toBe(ALL);
    expect(
      permForConn({ domid: other, privileged: false }, perms),
      `domain ${other} is not named in "${show(perms)}": it gets the first entry's rights, none`,
    ).toBe(XS_PERM_NONE);
  });

  test('a listed domain gets its entry; anyone else the first entry’s rights', () => {
    const rng = testRng('08-perm-for-conn/listed');
    const [owner, a, b, c] = domids('08-perm-for-conn/ids', 4) as [number, number, number, number];
    const defaultPerms = rng.below(4);
    const perms = [
      { id: owner, perms: defaultPerms },
      { id: a, perms: XS_PERM_READ },
      { id: b, perms: XS_PERM_WRITE | XS_PERM_READ },
      { id: a, perms: XS_PERM_WRITE },
    ];
    const guest = (domid: number) => ({ domid, privileged: false });
    expect(
      permForConn(guest(a), perms),
      `list "${show(perms)}": domain ${a}'s first entry (r) decides, not the later one`,
    ).toBe(XS_PERM_READ);
    expect(permForConn(guest(b), perms), `list "${show(perms)}": domain ${b} has b`).toBe(3);
    expect(
      permForConn(guest(c), perms),
      `list "${show(perms)}": domain ${c} is not listed, so it gets what the first entry grants`,
    ).toBe(defaultPerms);
    expect(
      permForConn(guest(c), perms) & XS_PERM_OWNER,
      'only the owner (or domain 0) may change permissions',
    ).toBe(0);
  });

  test('a domain acting for another (SET_TARGET) counts as that domain', () => {
    const [owner, listed, dm] = domids('08-perm-for-conn/target', 3) as [number, number, number];
    const perms = [
      { id: owner, perms: XS_PERM_NONE },
      { id: listed, perms: XS_PERM_READ },
    ];
    expect(
      permForConn({ domid: dm, privileged: false, target: owner }, perms),
      `domain ${dm} acts for ${owner}, the owner of "${show(perms)}"`,
    ).toBe(ALL);
    expect(
      permForConn({ domid: dm, privileged: false, target: listed }, perms),
      `domain ${dm} acts for ${listed}, which may read "${show(perms)}"`,
    ).toBe(XS_PERM_READ);
    expect(permForConn({ domid: dm, privileged: false }, perms)).toBe(XS_PERM_NONE);
  });

  test('through xenstored: a guest keeps to its own subtree', () => {
    const [mine, theirs] = domids('08-perm-for-conn/store', 2) as [number, number];
    const xs = new Xenstored();
    const dom0 = new XsClient(xs);
    for (const d of [mine, theirs]) {
      dom0.write(`/local/domain/${d}/name`, `guest${d}`);
      dom0.setPerms(`/local/domain/${d}`, [`n${d}`]);
      dom0.setPerms(`/local/domain/${d}/name`, [`n${d}`]);
    }
    const guest = new XsClient(xs, mine);
    expect(guest.read('name'), `domain ${mine} reads its own name (a relative path)`).toBe(
      `guest${mine}`,
    );
    const refused = (f: () => unknown) => {
      try {
        f();
        return 'allowed';
      } catch (e) {
        return e instanceof XsReplyError ? e.errno : String(e);
      }
    };
    expect(
      refused(() => guest.read(`/local/domain/${theirs}/name`)),
      `domain ${mine} reading domain ${theirs}'s name (list "n${theirs}")`,
    ).toBe('EACCES');
    expect(
      refused(() => guest.write(`/local/domain/${theirs}/name`, 'mine now')),
      `domain ${mine} writing domain ${theirs}'s name`,
    ).toBe('EACCES');
    expect(dom0.read(`/local/domain/${theirs}/name`)).toBe(`guest${theirs}`);
    dom0.setPerms(`/local/domain/${theirs}/name`, [`n${theirs}`, `r${mine}`]);
    expect(guest.read(`/local/domain/${theirs}/name`), 'after "r" was granted').toBe(
      `guest${theirs}`,
    );
  });
});
