// Chapter 09's exercises: the back end's side of the XenBus handshake, and the block back end's
// reads and writes (book §9.1).

import type { Exercise } from '../exercise.ts';

export const EXERCISES: Exercise[] = [
  {
    id: '09-xenbus-backend',
    title: 'The back end follows the front end’s XenBus state',
    points: 15,
    files: ['src/dom0/xenbus.ts'],
    section: '9.1.1',
    hints: [
      'Decide on the front end’s state first (switch (front)), then look at the back end’s own ' +
        'state to see whether there is anything left to do: every watch may fire again for a ' +
        'state already handled, and the answer must then be "none".',
      'Initialised or Connected: connect, but only from InitWait (or Initialised) — a back end ' +
        'already Connected, or one the toolstack is closing, must not map the ring a second ' +
        'time. Initialising after a Closed: "reinit", the front end is starting over.',
      'Closing: "close" unless the back end is Closed already. Closed, or Unknown (the front ' +
        'end’s directory is gone): "closed" unless it is Closed already. Anything else: "none".',
    ],
    fuel: 1_000_000,
  },
  {
    id: '09-blkback-rw',
    title: 'Serve a read or a write through the guest’s grants',
    points: 20,
    files: ['src/dom0/blkback.ts'],
    section: '9.1.2',
    hints: [
      'Check everything before touching anything: 1 to BLKIF_MAX_SEGMENTS_PER_REQUEST segments; ' +
        'in each, firstSect ≤ lastSect < SECTORS_PER_PAGE; the sectors of all segments together ' +
        'must end at or before disk.sectors; no write to a disk.readOnly. Any failure: ' +
        'BLKIF_RSP_ERROR.',
      'The segments are consecutive on the disk from req.sectorNumber, but each sits at ' +
        'firstSect × SECTOR_SIZE inside its own page: segment i moves ' +
        '(lastSect − firstSect + 1) × SECTOR_SIZE bytes at that offset of grant seg.gref.',
      'A write copies every segment in with io.copyFrom before it writes any (a status number ' +
        'back means Xen refused the grant: BLKIF_RSP_ERROR, disk untouched); a read reads the ' +
        'disk and io.copyTo’s each segment, and fails if any copy returns a negative status.',
    ],
    fuel: 1_000_000,
  },
];
