// Chapter 10's exercises: the framebuffer back end's update event, and the keyboard back end's
// event on the ring (book §10.2).

import type { Exercise } from '../exercise.ts';

export const EXERCISES: Exercise[] = [
  {
    id: '10-xenfb-update',
    title: 'Copy an updated rectangle to the screen, clipped to the framebuffer',
    points: 20,
    files: ['src/dom0/xenfb.ts'],
    section: '10.2',
    hints: [
      'Clip first: the left edge is max(x, 0), the top max(y, 0), the right edge min(x + width, ' +
        'fb.width), the bottom min(y + height, fb.height). If nothing is left (right ≤ left or ' +
        'bottom ≤ top — a negative size ends here too), copy nothing and return 0.',
      'Pixel (col, row) of the guest’s framebuffer is 4 bytes at byte row × fb.lineLength + ' +
        'col × 4 — lineLength, not width × 4: rows may be padded. fbAddress(fb, offset) gives ' +
        'its machine address through the pages the back end mapped.',
      'screen holds fb.width pixels per row: screen[row × fb.width + col] = mem.read32(…). ' +
        'Return how many pixels you copied.',
    ],
    fuel: 1_000_000,
  },
  {
    id: '10-xenkbd-put',
    title: 'Put a key or pointer event on the keyboard’s ring',
    points: 15,
    files: ['src/dom0/xenkbd.ts'],
    section: '10.2',
    hints: [
      'Read in_prod and in_cons as unsigned 32-bit numbers. The ring is full when ' +
        '(in_prod − in_cons) >>> 0 is XENKBD_IN_RING_LEN or more: return false, writing nothing.',
      'The slot is at XENKBD_IN_RING_OFFS + (in_prod % XENKBD_IN_RING_LEN) × ' +
        'XENKBD_IN_EVENT_SIZE. Zero all 40 bytes first (reserved fields must be 0), then write ' +
        'the type and the fields at the offsets of XENKBD_KEY, XENKBD_MOTION or XENKBD_POSITION.',
      'Only when the slot is complete advance in_prod by one (>>> 0, it wraps): the front end ' +
        'may read the slot the moment it sees the new index.',
    ],
    fuel: 1_000_000,
  },
];
