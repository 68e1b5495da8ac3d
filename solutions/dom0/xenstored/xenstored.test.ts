import { describe, expect, test } from 'vitest';
import { dumpStore } from './store.ts';
import { RawClient, writeArgs } from './testing.ts';
import {
  encodeMessage,
  strings,
  XS_CONTROL,
  XS_DIRECTORY,
  XS_DIRECTORY_PART,
  XS_GET_DOMAIN_PATH,
  XS_GET_PERMS,
  XS_INTRODUCE,
  XS_IS_DOMAIN_INTRODUCED,
  XS_MKDIR,
  XS_READ,
  XS_RELEASE,
  XS_RESET_WATCHES,
  XS_RESTRICT,
  XS_RESUME,
  XS_RM,
  XS_SET_PERMS,
  XS_SET_TARGET,
  XS_TRANSACTION_END,
  XS_TRANSACTION_START,
  XS_UNWATCH,
  XS_WATCH,
  XS_WATCH_EVENT,
  XS_WRITE,
} from './wire.ts';
import { Xenstored } from './xenstored.ts';

function setup() {
  const xs = new Xenstored();
  const dom0 = new RawClient(xs, 0);
  return { xs, dom0 };
}

/** A guest's home made as the toolstack makes it: owned by the guest, readable by it only. */
function home(dom0: RawClient, domid: number) {
  const path = `/local/domain/${domid}`;
  expect(dom0.ask(XS_MKDIR, [path])).toBe('OK');
  expect(dom0.ask(XS_SET_PERMS, [path, `n${domid}`])).toBe('OK');
  return path;
}

describe('the tree', () => {
  test('starts with /tool/xenstored and the special nodes', () => {
    const { dom0 } = setup();
    expect(dom0.ask(XS_DIRECTORY, ['/'])).toBe('tool');
    expect(dom0.ask(XS_DIRECTORY, ['/tool'])).toBe('xenstored');
    expect(dom0.ask(XS_GET_PERMS, ['@introduceDomain'])).toBe('n0');
  });

  test('write makes missing parents; read, directory and rm follow', () => {
    const { dom0 } = setup();
    expect(dom0.ask(XS_WRITE, writeArgs('/a/b/c', 'hello'))).toBe('OK');
    expect(dom0.ask(XS_READ, ['/a/b/c'])).toBe('hello');
    expect(dom0.ask(XS_READ, ['/a/b'])).toBe('');
    expect(dom0.ask(XS_DIRECTORY, ['/'])).toBe('tool|a');
    expect(dom0.ask(XS_WRITE, writeArgs('/a/b/d', ''))).toBe('OK');
    expect(dom0.ask(XS_DIRECTORY, ['/a/b'])).toBe('c|d');
    expect(dom0.ask(XS_RM, ['/a/b'])).toBe('OK');
    expect(dom0.ask(XS_READ, ['/a/b/c'])).toBe('ERR:ENOENT');
    expect(dom0.ask(XS_DIRECTORY, ['/a'])).toBe('');
    expect(dom0.ask(XS_RM, ['/a/nothing'])).toBe('OK');
    expect(dom0.ask(XS_RM, ['/x/nothing'])).toBe('ERR:ENOENT');
    expect(dom0.ask(XS_RM, ['/'])).toBe('ERR:EINVAL');
  });

  test('values are bytes: NULs and high bytes survive', () => {
    const { dom0 } = setup();
    const value = new Uint8Array([1, 0, 255, 0, 7]);
    expect(dom0.ask(XS_WRITE, [strings('/v'), value])).toBe('OK');
    dom0.sendBytes(encodeMessage({ type: XS_READ, reqId: 99, txId: 0, payload: strings('/v') }));
    expect([...dom0.received.pop()!.payload]).toEqual([...value]);
  });

  test('mkdir of an existing node changes nothing', () => {
    const { dom0 } = setup();
    dom0.ask(XS_WRITE, writeArgs('/m', 'kept'));
    expect(dom0.ask(XS_MKDIR, ['/m'])).toBe('OK');
    expect(dom0.ask(XS_READ, ['/m'])).toBe('kept');
  });

  test('relative paths start at the domain’s home', () => {
    const { xs, dom0 } = setup();
    home(dom0, 5);
    const guest = new RawClient(xs, 5);
    expect(guest.ask(XS_WRITE, writeArgs('name', 'five'))).toBe('OK');
    expect(dom0.ask(XS_READ, ['/local/domain/5/name'])).toBe('five');
    expect(dom0.ask(XS_GET_DOMAIN_PATH, ['5'])).toBe('/local/domain/5');
  });

  test('bad paths are EINVAL', () => {
    const { dom0 } = setup();
    for (const bad of ['/a/', '/a//b', '/a b', '/ä', '@foo', '', 'x/']) {
      expect(dom0.ask(XS_WRITE, writeArgs(bad, 'v')), bad).toBe('ERR:EINVAL');
    }
    expect(dom0.ask(XS_READ, ['/a', 'extra'])).toBe('ERR:EINVAL');
  });

  test('directory_part pages long directories with the generation', () => {
    const { dom0 } = setup();
    const names = Array.from({ length: 300 }, (_, i) => `child-with-a-long-name-${i}`);
    for (const n of names) dom0.ask(XS_MKDIR, [`/big/${n}`]);
    expect(dom0.ask(XS_DIRECTORY, ['/big'])).toBe('ERR:E2BIG');
    const got: string[] = [];
    let offset = 0;
    let generation = '';
    for (;;) {
      const [gen, ...part] = dom0.ask(XS_DIRECTORY_PART, ['/big', String(offset)]).split('|');
      generation ||= gen!;
      expect(gen).toBe(generation);
      if (part.length === 0 || (part.length === 1 && part[0] === '')) break;
      const end = part.at(-1) === '';
      const list = end ? part.slice(0, -1) : part;
      got.push(...list);
      offset += list.reduce((n, s) => n + s.length + 1, 0);
      if (end) break;
    }
    expect(got).toEqual(names);
  });
});

describe('permissions', () => {
  test('a guest reads and writes its home, not another domain’s', () => {
    const { xs, dom0 } = setup();
    home(dom0, 3);
    home(dom0, 4);
    dom0.ask(XS_WRITE, writeArgs('/local/domain/4/secret', 's'));
    const g3 = new RawClient(xs, 3);
    expect(g3.ask(XS_WRITE, writeArgs('/local/domain/3/x', '1'))).toBe('OK');
    expect(g3.ask(XS_READ, ['/local/domain/4/secret'])).toBe('ERR:EACCES');
    expect(g3.ask(XS_WRITE, writeArgs('/local/domain/4/secret', 'x'))).toBe('ERR:EACCES');
    expect(g3.ask(XS_WRITE, writeArgs('/local/domain/4/new', 'x'))).toBe('ERR:EACCES');
    expect(g3.ask(XS_RM, ['/local/domain/4/secret'])).toBe('ERR:EACCES');
    // Whether a node exists is not told across the boundary either.
    expect(g3.ask(XS_READ, ['/local/domain/4/missing'])).toBe('ERR:EACCES');
    expect(g3.ask(XS_READ, ['/local/domain/3/missing'])).toBe('ERR:ENOENT');
    expect(dom0.ask(XS_READ, ['/local/domain/4/secret'])).toBe('s');
  });

  test('new nodes inherit the parent’s list; a guest owns what it makes', () => {
    const { xs, dom0 } = setup();
    home(dom0, 3);
    dom0.ask(XS_SET_PERMS, ['/local/domain/3', 'n3', 'r7']);
    const g3 = new RawClient(xs, 3);
    g3.ask(XS_WRITE, writeArgs('/local/domain/3/a/b', 'v'));
    expect(dom0.ask(XS_GET_PERMS, ['/local/domain/3/a/b'])).toBe('n3|r7');
    dom0.ask(XS_WRITE, writeArgs('/local/domain/3/by-dom0', 'v'));
    expect(dom0.ask(XS_GET_PERMS, ['/local/domain/3/by-dom0'])).toBe('n3|r7');
    const g7 = new RawClient(xs, 7);
    expect(g7.ask(XS_READ, ['/local/domain/3/a/b'])).toBe('v');
    expect(g7.ask(XS_WRITE, writeArgs('/local/domain/3/a/b', 'w'))).toBe('ERR:EACCES');
  });

  test('only the owner changes permissions, and a guest cannot give a node away', () => {
    const { xs, dom0 } = setup();
    home(dom0, 3);
    dom0.ask(XS_SET_PERMS, ['/local/domain/3', 'n3', 'b8']);
    const g3 = new RawClient(xs, 3);
    const g8 = new RawClient(xs, 8);
    expect(g8.ask(XS_SET_PERMS, ['/local/domain/3', 'b8'])).toBe('ERR:EACCES');
    expect(g3.ask(XS_SET_PERMS, ['/local/domain/3', 'n8'])).toBe('ERR:EPERM');
    expect(g3.ask(XS_SET_PERMS, ['/local/domain/3', 'r3'])).toBe('OK');
    expect(g3.ask(XS_SET_PERMS, ['/local/domain/3', 'x3'])).toBe('ERR:EINVAL');
    expect(dom0.ask(XS_GET_PERMS, ['/local/domain/3'])).toBe('r3');
  });

  test('guests may not ask what only the toolstack may', () => {
    const { xs } = setup();
    const g = new RawClient(xs, 3);
    expect(g.ask(XS_INTRODUCE, ['4', '100', '1'])).toBe('ERR:EACCES');
    expect(g.ask(XS_RELEASE, ['4'])).toBe('ERR:EACCES');
    expect(g.ask(XS_CONTROL, ['check'])).toBe('ERR:EACCES');
    expect(g.ask(XS_SET_TARGET, ['3', '4'])).toBe('ERR:EACCES');
    expect(g.ask(XS_IS_DOMAIN_INTRODUCED, ['0'])).toBe('ERR:EACCES');
  });
});

describe('watches', () => {
  test('fire once when set, then on changes at or below the path', () => {
    const { dom0 } = setup();
    expect(dom0.ask(XS_WATCH, ['/w', 'tok'])).toBe('OK');
    expect(dom0.events()).toEqual(['/w tok']);
    dom0.ask(XS_WRITE, writeArgs('/w/a/b', '1'));
    dom0.ask(XS_WRITE, writeArgs('/other', '1'));
    dom0.ask(XS_MKDIR, ['/w/c']);
    expect(dom0.events()).toEqual(['/w/a/b tok', '/w/c tok']);
    // Removing /w/a removes /w/a/b too, but a watch hears of the nodes below the removed one
    // only when it watches them exactly.
    dom0.ask(XS_RM, ['/w/a']);
    expect(dom0.events()).toEqual(['/w/a tok']);
    expect(dom0.ask(XS_WATCH, ['/w', 'tok'])).toBe('ERR:EEXIST');
    expect(dom0.ask(XS_UNWATCH, ['/w', 'tok'])).toBe('OK');
    dom0.ask(XS_WRITE, writeArgs('/w', '2'));
    expect(dom0.events()).toEqual([]);
    expect(dom0.ask(XS_UNWATCH, ['/w', 'tok'])).toBe('ERR:ENOENT');
  });

  test('the first event of a watch follows its reply', () => {
    const { dom0 } = setup();
    dom0.ask(XS_MKDIR, ['/order']);
    dom0.received.length = 0;
    dom0.sendBytes(
      encodeMessage({ type: XS_WATCH, reqId: 7, txId: 0, payload: strings('/order', 't') }),
    );
    expect(dom0.received.map((m) => m.type)).toEqual([XS_WATCH, XS_WATCH_EVENT]);
  });

  test('below a removed node only exact watches fire', () => {
    const { dom0 } = setup();
    dom0.ask(XS_WRITE, writeArgs('/r/a/b', '1'));
    dom0.ask(XS_WATCH, ['/r/a/b', 'exact']);
    dom0.ask(XS_WATCH, ['/r/a/b/none', 'deeper']);
    dom0.events();
    dom0.ask(XS_RM, ['/r']);
    expect(dom0.events()).toEqual(['/r/a/b exact']);
  });

  test('relative watches report relative paths', () => {
    const { xs, dom0 } = setup();
    home(dom0, 3);
    const g = new RawClient(xs, 3);
    g.ask(XS_WATCH, ['memory', 'm']);
    dom0.ask(XS_WRITE, writeArgs('/local/domain/3/memory/target', '512'));
    expect(g.events()).toEqual(['memory m', 'memory/target m']);
  });

  test('a guest hears only of nodes it may read', () => {
    const { xs, dom0 } = setup();
    home(dom0, 3);
    const g = new RawClient(xs, 3);
    g.ask(XS_WATCH, ['/', 'all']);
    g.events();
    dom0.ask(XS_WRITE, writeArgs('/local/domain/3/mine', '1'));
    dom0.ask(XS_WRITE, writeArgs('/secret/x', '1'));
    expect(g.events()).toEqual(['/local/domain/3/mine all']);
  });

  test('@introduceDomain and @releaseDomain fire for the toolstack', () => {
    const { dom0 } = setup();
    dom0.ask(XS_WATCH, ['@introduceDomain', 'in']);
    dom0.ask(XS_WATCH, ['@releaseDomain', 'out']);
    dom0.events();
    expect(dom0.ask(XS_INTRODUCE, ['4', '1234', '9'])).toBe('OK');
    expect(dom0.ask(XS_IS_DOMAIN_INTRODUCED, ['4'])).toBe('T');
    expect(dom0.ask(XS_RESUME, ['4'])).toBe('OK');
    expect(dom0.ask(XS_RELEASE, ['4'])).toBe('OK');
    expect(dom0.ask(XS_IS_DOMAIN_INTRODUCED, ['4'])).toBe('F');
    expect(dom0.ask(XS_RELEASE, ['4'])).toBe('ERR:ENOENT');
    expect(dom0.ask(XS_RELEASE, ['0'])).toBe('ERR:EINVAL');
    expect(dom0.events()).toEqual(['@introduceDomain in', '@releaseDomain out']);
  });

  test('reset_watches drops every watch', () => {
    const { dom0 } = setup();
    dom0.ask(XS_WATCH, ['/a', 't']);
    expect(dom0.ask(XS_RESET_WATCHES, [''])).toBe('OK');
    dom0.events();
    dom0.ask(XS_WRITE, writeArgs('/a', '1'));
    expect(dom0.events()).toEqual([]);
  });
});

describe('transactions', () => {
  test('see their own writes; others see them only after the commit', () => {
    const { dom0 } = setup();
    dom0.ask(XS_WATCH, ['/t', 'w']);
    dom0.events();
    const tx = Number(dom0.ask(XS_TRANSACTION_START, ['']));
    expect(dom0.ask(XS_WRITE, writeArgs('/t/x', '1'), tx)).toBe('OK');
    expect(dom0.ask(XS_READ, ['/t/x'], tx)).toBe('1');
    expect(dom0.ask(XS_READ, ['/t/x'])).toBe('ERR:ENOENT');
    expect(dom0.events()).toEqual([]);
    expect(dom0.ask(XS_TRANSACTION_END, ['T'], tx)).toBe('OK');
    expect(dom0.ask(XS_READ, ['/t/x'])).toBe('1');
    expect(dom0.events()).toEqual(['/t/x w']);
  });

  test('a commit after someone changed what it read is EAGAIN', () => {
    const { dom0 } = setup();
    dom0.ask(XS_WRITE, writeArgs('/c', '0'));
    const tx = Number(dom0.ask(XS_TRANSACTION_START, ['']));
    dom0.ask(XS_READ, ['/c'], tx);
    dom0.ask(XS_WRITE, writeArgs('/d', '1'), tx);
    dom0.ask(XS_WRITE, writeArgs('/c', 'other'));
    expect(dom0.ask(XS_TRANSACTION_END, ['T'], tx)).toBe('ERR:EAGAIN');
    expect(dom0.ask(XS_READ, ['/d'])).toBe('ERR:ENOENT');
  });

  test('abort drops; unknown or ended transactions are ENOENT', () => {
    const { dom0 } = setup();
    const tx = Number(dom0.ask(XS_TRANSACTION_START, ['']));
    dom0.ask(XS_WRITE, writeArgs('/gone', '1'), tx);
    expect(dom0.ask(XS_TRANSACTION_END, ['F'], tx)).toBe('OK');
    expect(dom0.ask(XS_READ, ['/gone'])).toBe('ERR:ENOENT');
    expect(dom0.ask(XS_READ, ['/'], tx)).toBe('ERR:ENOENT');
    expect(dom0.ask(XS_READ, ['/'], 12345)).toBe('ERR:ENOENT');
    expect(dom0.ask(XS_TRANSACTION_END, ['T'])).toBe('ERR:ENOENT');
    const tx2 = Number(dom0.ask(XS_TRANSACTION_START, ['']));
    expect(dom0.ask(XS_TRANSACTION_START, [''], tx2)).toBe('ERR:EBUSY');
    expect(dom0.ask(XS_TRANSACTION_END, ['X'], tx2)).toBe('ERR:EINVAL');
  });
});

describe('quotas', () => {
  test('a guest is held to its node, size, watch, transaction and permission limits', () => {
    const xs = new Xenstored({ nodes: 10, watches: 3, transactions: 2, nodeSize: 100 });
    const dom0 = new RawClient(xs, 0);
    home(dom0, 3);
    const g = new RawClient(xs, 3);
    // The home counts: it is the guest's.
    for (let i = 0; i < 9; i++) expect(g.ask(XS_MKDIR, [`n${i}`])).toBe('OK');
    expect(g.ask(XS_MKDIR, ['n9'])).toBe('ERR:ENOSPC');
    expect(g.ask(XS_WRITE, writeArgs('n0', 'x'.repeat(200)))).toBe('ERR:ENOSPC');
    for (let i = 0; i < 3; i++) expect(g.ask(XS_WATCH, [`n${i}`, 't'])).toBe('OK');
    expect(g.ask(XS_WATCH, ['n4', 't'])).toBe('ERR:E2BIG');
    expect(g.ask(XS_TRANSACTION_START, [''])).not.toMatch(/ERR/);
    expect(g.ask(XS_TRANSACTION_START, [''])).not.toMatch(/ERR/);
    expect(g.ask(XS_TRANSACTION_START, [''])).toBe('ERR:ENOSPC');
    expect(g.ask(XS_SET_PERMS, ['n0', 'n3', 'r1', 'r2', 'r4', 'r5', 'r6'])).toBe('ERR:ENOSPC');
    // Domain 0 is not held to them.
    for (let i = 0; i < 20; i++) expect(dom0.ask(XS_MKDIR, [`/many/${i}`])).toBe('OK');
  });
});

describe('the protocol', () => {
  test('errors are the names of xsd_errors', () => {
    const { dom0 } = setup();
    expect(dom0.ask(99, ['x'])).toBe('ERR:ENOSYS');
    expect(dom0.ask(XS_RESTRICT, ['1'])).toBe('ERR:ENOSYS');
    expect(dom0.ask(XS_WATCH_EVENT, ['/', 't'])).toBe('ERR:ENOSYS');
    expect(dom0.ask(XS_READ, [new Uint8Array([47, 97])])).toBe('ERR:EINVAL');
    expect(dom0.ask(XS_CONTROL, ['nonsense'])).toBe('ERR:EINVAL');
    expect(dom0.ask(XS_CONTROL, ['check'])).toBe('OK');
  });

  test('a message in pieces is one message; a long header closes the connection', () => {
    const { xs, dom0 } = setup();
    const bytes = encodeMessage({ type: XS_READ, reqId: 5, txId: 0, payload: strings('/tool') });
    for (const b of bytes) dom0.sendBytes(new Uint8Array([b]));
    expect(dom0.received.at(-1)?.reqId).toBe(5);
    const header = new Uint8Array(16);
    new DataView(header.buffer).setUint32(12, 4097, true);
    const before = dumpStore(xs.store);
    dom0.sendBytes(header);
    expect(dom0.closed).toBe(true);
    expect(xs.connections).not.toContain(dom0.conn);
    expect(dumpStore(xs.store)).toBe(before);
  });
});
