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
  {
    id: '09-blkfront-connect',
    title: 'The front end’s side of the XenBus handshake, in assembly',
    points: 15,
    files: ['src/guests/lib/blkfront.asm'],
    section: '9.1.1',
    hints: [
      'Grant the ring page (blk_sring, its frame from virt_to_mfn) to the back end’s domain ' +
        '(xb_backend_id) as RING_GREF, read-write; then allocate a port only that domain may ' +
        'bind (evtchn_alloc_unbound) and keep it in blk_port.',
      'Write what the back end reads, each under the front end’s directory (xenbus_write_number, or xb_front_key then xs_write): ' +
        'ring-ref, event-channel, and protocol ("x86_32-abi"); only then switch the state to ' +
        'XenbusStateInitialised — the back end acts on the state, so the keys must be there first.',
      'Then wait for the back end to reach XenbusStateConnected (xenbus_wait_backend_state); ' +
        'anything else is a failed connect.',
    ],
    fuel: 40_000_000,
  },
  {
    id: '09-blkfront-io',
    title: 'One block request on the ring, in assembly',
    points: 15,
    files: ['src/guests/lib/blkfront.asm'],
    section: '9.1.2',
    hints: [
      'Grant blk_buffer to the back end as BUFFER_GREF — read-only for a write (the back end ' +
        'only reads it), writable for a read.',
      'Fill the slot at req_prod_pvt: operation, nr_segments 1, handle, id, sector_number (a ' +
        'u64: the high half is 0), and one segment {BUFFER_GREF, first_sect 0, last_sect ' +
        'count − 1}; advance req_prod_pvt, push and notify if the back end asked.',
      'Wait for a response with events masked (byte shared_info + ' +
        'VCPU_INFO_evtchn_upcall_mask = 1): ring_final_check_for_responses, and block only when ' +
        'there is none — SCHEDOP_block unmasks and returns at once if the event already came.',
      'Take the response at rsp_cons: its id should be the request’s, its status is a signed ' +
        '16-bit value; advance rsp_cons, end the buffer’s grant (gnttab_end_access), return the ' +
        'status in EAX.',
    ],
    fuel: 40_000_000,
  },
  {
    id: '09-netback-rx',
    title: 'Deliver a frame into the guest’s posted buffer',
    points: 15,
    files: ['src/dom0/netback.ts'],
    section: '9.2.3',
    hints: [
      'Take the guest’s next rx request at req_cons (ringSlot, then advance reqCons): its id ' +
        '(u16) and the grant reference of the page it posted.',
      'Copy the frame into that page at offset 0 with one grant copy (grants.copyTo): Xen ' +
        'checks the grant is the guest’s, for domain 0, and writable.',
      'Answer in the next response slot: the request’s id, offset 0, flags 0, and as status ' +
        'the frame’s length — or NETIF_RSP_ERROR when the copy was refused.',
    ],
    fuel: 1_000_000,
  },
];
