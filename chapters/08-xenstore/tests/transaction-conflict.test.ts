// 08-transaction-conflict: a transaction commits only if nothing it read or changed was changed
// by someone else meanwhile; otherwise EAGAIN (book §8.5; Xen's transaction.c).

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/index.ts';
import { XsClient } from '../src/dom0/xenstored/client.ts';
import { Transaction, transactionConflict } from '../src/dom0/xenstored/transaction.ts';
import { Xenstored } from '../src/dom0/xenstored/xenstored.ts';

function world() {
  const xs = new Xenstored();
  const a = new XsClient(xs);
  const b = new XsClient(xs);
  return { xs, a, b };
}

describe('08-transaction-conflict', () => {
  test('nothing changed meanwhile: no conflict, and the commit lands', () => {
    const rng = testRng('08-transaction-conflict/clean');
    const { xs, a, b } = world();
    a.write('/count', String(rng.below(1000)));
    const tx = a.transactionStart();
    const n = Number(a.read('/count', tx));
    a.write('/count', String(n + 1), tx);
    b.write('/elsewhere', 'unrelated');
    const t = a.conn.transactions.get(tx)!;
    expect(transactionConflict(t, xs.store), 'only /elsewhere changed, which it never used').toBe(
      false,
    );
    expect(a.transactionEnd(tx)).toBe(true);
    expect(a.read('/count')).toBe(String(n + 1));
    // The same again, but now someone writes /count before the commit.
    const tx2 = a.transactionStart();
    a.read('/count', tx2);
    b.write('/count', 'changed');
    expect(
      transactionConflict(a.conn.transactions.get(tx2)!, xs.store),
      '/count, which it read, changed',
    ).toBe(true);
  });

  test('a node it read was written meanwhile: conflict, EAGAIN, nothing lands', () => {
    const { a, b } = world();
    a.write('/count', '5');
    const tx = a.transactionStart();
    a.read('/count', tx);
    a.write('/result', 'from the transaction', tx);
    b.write('/count', '6');
    expect(a.transactionEnd(tx), 'TRANSACTION_END T after /count changed answers EAGAIN').toBe(
      false,
    );
    expect(b.tryRead('/result'), 'a failed commit changes nothing').toBeUndefined();
  });

  test('a node that did not exist was made meanwhile, or one it used was removed', () => {
    const { xs, a, b } = world();
    a.write('/gone', 'here');
    const tx1 = a.transactionStart();
    expect(a.tryRead('/new', tx1)).toBeUndefined();
    b.write('/new', 'made by someone else');
    const t1 = a.conn.transactions.get(tx1)!;
    expect(transactionConflict(t1, xs.store), '/new did not exist when read; now it does').toBe(
      true,
    );
    const tx2 = a.transactionStart();
    a.read('/gone', tx2);
    b.rm('/gone');
    const t2 = a.conn.transactions.get(tx2)!;
    expect(transactionConflict(t2, xs.store), '/gone was read, then removed').toBe(true);
  });

  test('checks every node it used, against the store it is given', () => {
    const xs = new Xenstored();
    const tx = new Transaction(1, xs.store);
    tx.get('/tool');
    tx.get('/tool/xenstored');
    tx.get('/missing');
    expect(transactionConflict(tx, xs.store)).toBe(false);
    const changed = xs.store.get('/tool/xenstored')!;
    xs.store.put({ ...changed, value: new Uint8Array([1]) });
    expect(transactionConflict(tx, xs.store), 'the second node it read changed').toBe(true);
  });

  test('seeded concurrent increments all count: transactions serialise', () => {
    const rng = testRng('08-transaction-conflict/serialise');
    const xs = new Xenstored();
    const clients = Array.from({ length: 3 + rng.below(3) }, () => new XsClient(xs));
    clients[0]!.write('/counter', '0');
    const open = clients.map(() => ({ tx: 0, value: -1, done: 0 }));
    const goal = 10;
    while (open.some((o) => o.done < goal)) {
      const i = rng.below(clients.length);
      const c = clients[i]!;
      const o = open[i]!;
      if (o.done >= goal) continue;
      if (o.tx === 0) {
        o.tx = c.transactionStart();
        o.value = Number(c.read('/counter', o.tx));
      } else {
        c.write('/counter', String(o.value + 1), o.tx);
        if (c.transactionEnd(o.tx)) o.done++;
        o.tx = 0;
      }
    }
    expect(clients[0]!.read('/counter'), 'every committed increment counted once').toBe(
      String(clients.length * goal),
    );
  });
});
