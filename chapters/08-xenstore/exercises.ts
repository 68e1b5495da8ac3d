// Chapter 08's exercises: who may touch a node, which watches a change fires, when a
// transaction may commit, and a guest's request on its ring (book §8.1–8.5).

import type { Exercise } from '../exercise.ts';

export const EXERCISES: Exercise[] = [
  {
    id: '08-perm-for-conn',
    title: 'What a domain may do with a node',
    points: 15,
    files: ['src/dom0/xenstored/permissions.ts'],
    section: '8.3',
    hints: [
      'The first entry of the list is special twice over: perms[0].id owns the node, and ' +
        'perms[0].perms is what every domain gets that no later entry names.',
      'Domain 0 (who.privileged) and the owner get everything: XS_PERM_READ | XS_PERM_WRITE | ' +
        'XS_PERM_OWNER. A domain acting for another (who.target, a device model) counts as that ' +
        'domain wherever an entry names it.',
      'Otherwise walk the entries after the first; the first naming who.domid (or who.target) ' +
        'decides: return its perms. No entry names them: return perms[0].perms.',
    ],
    fuel: 1_000_000,
  },
  {
    id: '08-watch-events',
    title: 'Which watches a change fires',
    points: 15,
    files: ['src/dom0/xenstored/watch.ts'],
    section: '8.5',
    hints: [
      'A watch on /a fires for a change of /a itself and of anything below it — /a/b, /a/b/c — ' +
        'but not of /ab: isChild(path, w.path) from store.ts draws that line (and puts ' +
        'everything below "/").',
      'With `exact`, a watch fires only when its path is the changed path itself.',
      'Each event is { path, token }: the changed path without the watch’s first w.prefixLength ' +
        'characters (a watch set with a relative path hears relative paths), and the watch’s ' +
        'token; one event per firing watch, in the order the watches were set.',
    ],
    fuel: 1_000_000,
  },
  {
    id: '08-transaction-conflict',
    title: 'Detect a conflicting transaction',
    points: 15,
    files: ['src/dom0/xenstored/transaction.ts'],
    section: '8.5',
    hints: [
      'tx.accessed maps every path the transaction read or changed to the generation it saw ' +
        'then; NO_GENERATION when the node did not exist.',
      'A commit is safe only if, for every one of those paths, the store still has the same ' +
        'generation now: store.get(path)?.generation, or NO_GENERATION for a node that is gone.',
      'Any difference — a write, a new or removed child, new permissions, a node created or ' +
        'removed — is a conflict: return true, and xenstored answers EAGAIN.',
    ],
    fuel: 1_000_000,
  },
  {
    id: '08-guest-read-name',
    title: 'A guest’s request on its XenStore ring',
    points: 15,
    files: ['src/guests/lib/xenstore.asm'],
    section: '8.4.2',
    hints: [
      'Build the 16-byte header in xs_header (type EAX, req_id 0, tx_id 0, len ECX), then copy ' +
        'the header and the ECX payload bytes from ESI into the ring’s `req`, starting at the ' +
        'index req_prod holds ([xs_ring] + XS_IFACE_req_prod).',
      'The index is free-running: byte i goes to req + ((req_prod + i) & (XENSTORE_RING_SIZE - ' +
        '1)), so a request may wrap past the ring’s end. Only after every byte is written, store ' +
        'the new req_prod (old + 16 + len).',
      'Then tell xenstored: call xs_notify (EVTCHNOP_send on start_info.store_evtchn). ' +
        'xs_request waits for the reply after that.',
    ],
    fuel: 2_000_000,
  },
];
