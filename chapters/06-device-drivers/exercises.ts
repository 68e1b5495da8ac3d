// Chapter 06's exercises: a shared ring's index arithmetic and its notify protocol, the console
// back end's drain, and the book's console write in assembly (book §6.3, §6.7).

import type { Exercise } from '../exercise.ts';

export const EXERCISES: Exercise[] = [
  {
    id: '06-ring-indices',
    title: 'Slots, free space and unconsumed messages of a shared ring',
    points: 25,
    files: ['src/dom0/ring.ts'],
    section: '6.3',
    hints: [
      'Indices never wrap by hand: they count up forever, and every difference of two of them ' +
        'is taken modulo 2^32 (`(a - b) >>> 0`). A slot is the index masked by nrEnts - 1, ' +
        'which works because nrEnts is a power of two.',
      'Free requests: nrEnts minus what is in flight (reqProdPvt - rspCons). Unconsumed ' +
        'responses: the shared rsp_prod (read it from the page) minus rspCons.',
      'Unconsumed requests is the smaller of two counts: shared req_prod - reqCons, and the room ' +
        'left, nrEnts - (reqCons - rspProdPvt). The second keeps a front end that publishes a ' +
        'wild req_prod from making the back end read slots it has not answered yet.',
    ],
    fuel: 5_000_000,
  },
  {
    id: '06-ring-notify',
    title: 'When to notify: event indices and the final check',
    points: 25,
    files: ['src/dom0/ring.ts'],
    section: '6.3.2',
    hints: [
      'The consumer writes into req_event (or rsp_event) the index whose arrival should wake it. ' +
        'The producer, moving its index from old to next, must notify exactly when that event ' +
        'index lies in (old, next]. With wrap-around, compare distances from next: ' +
        '(next - event) < (next - old), both modulo 2^32.',
      'The final check is for the side about to sleep: if work is there, say so; otherwise ask ' +
        'to be woken by the very next message (event = your consumer index + 1), then look once ' +
        'more. A message published between the first look and the event write would otherwise ' +
        'wake nobody.',
    ],
    fuel: 5_000_000,
  },
  {
    id: '06-console-drain',
    title: 'The console back end drains a guest’s ring',
    points: 25,
    files: ['src/dom0/xenconsoled.ts'],
    section: '6.7',
    hints: [
      'Read out_cons and out_prod from the console page (XENCONS offsets). The guest wrote both ' +
        'pages of memory you are reading, so trust neither: more than XENCONS_OUT_SIZE bytes ' +
        'pending is impossible for an honest guest — return a message instead of bytes.',
      'Copy the pending bytes in order, each from out[(cons + i) & (XENCONS_OUT_SIZE - 1)], then ' +
        'publish the new out_cons (= out_prod) so the guest may reuse the slots.',
    ],
    fuel: 5_000_000,
  },
  {
    id: '06-console-write',
    title: 'Write to the console ring (the book’s exercise, in assembly)',
    points: 25,
    files: ['src/guests/lib/xencons.asm'],
    section: '6.7',
    hints: [
      'xencons_write copies ECX bytes from ESI into out[prod & 2047], one at a time, while ' +
        'out_prod - out_cons is below 2048. out_prod is yours; out_cons moves under you as the ' +
        'back end drains.',
      'Publish after copying (XEN_WMB, then store out_prod), then call xencons_notify. If bytes ' +
        'are left because the ring was full, `call yield` and start again from re-reading both ' +
        'indices. Keep every register: pushad/popad.',
    ],
    fuel: 5_000_000,
  },
];
