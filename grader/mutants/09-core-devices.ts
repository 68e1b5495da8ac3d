// Mutants of chapter 09's exercises (grader/mutants/index.ts).

import type { Mutant } from './mutant.ts';

export const MUTANTS_09: readonly Mutant[] = [
  // 09-xenbus-backend
  {
    name: 'xenbus-connect-when-connected',
    exercise: '09-xenbus-backend',
    file: 'dom0/xenbus.ts',
    search: "return back === S.InitWait || back === S.Initialised ? 'connect' : 'none';",
    replace: "return back === S.Closed ? 'none' : 'connect';",
    why: 'a back end already Connected must not map the ring and bind the channel a second time',
  },
  {
    name: 'xenbus-close-never-closed',
    exercise: '09-xenbus-backend',
    file: 'dom0/xenbus.ts',
    search:
      "    case S.Closed:\n    case S.Unknown:\n      return back === S.Closed ? 'none' : 'closed';",
    replace:
      "    case S.Closed:\n    case S.Unknown:\n      return back === S.Closed ? 'none' : 'close';",
    why: 'when the front end is Closed the back end must reach Closed too, or the toolstack waits for ever',
  },
  {
    name: 'xenbus-no-reinit',
    exercise: '09-xenbus-backend',
    file: 'dom0/xenbus.ts',
    search: "return back === S.Closed ? 'reinit' : 'none';",
    replace: "return 'none';",
    why: 'a front end starting over after a close must find the back end waiting in InitWait again',
  },
  {
    name: 'xenbus-close-ignored',
    exercise: '09-xenbus-backend',
    file: 'dom0/xenbus.ts',
    search: "return back === S.Closed ? 'none' : 'close';",
    replace: "return 'none';",
    why: 'the back end must follow a closing front end to Closing (and stop serving its ring)',
  },
  {
    name: 'xenbus-unknown-ignored',
    exercise: '09-xenbus-backend',
    file: 'dom0/xenbus.ts',
    search: '    case S.Closed:\n    case S.Unknown:\n',
    replace: "    case S.Unknown:\n      return 'none';\n    case S.Closed:\n",
    why: 'a front end whose directory is gone (Unknown) is closed: the back end lets go of its ring',
  },
  // 09-blkback-rw
  {
    name: 'blkback-last-sect-unchecked',
    exercise: '09-blkback-rw',
    file: 'dom0/blkback.ts',
    search: 'seg.firstSect > seg.lastSect || seg.lastSect >= SECTORS_PER_PAGE',
    replace: 'seg.firstSect > seg.lastSect',
    why: 'last_sect 8 names a sector past the end of the 4 KiB page',
  },
  {
    name: 'blkback-first-after-last',
    exercise: '09-blkback-rw',
    file: 'dom0/blkback.ts',
    search: 'seg.firstSect > seg.lastSect || seg.lastSect >= SECTORS_PER_PAGE',
    replace: 'seg.lastSect >= SECTORS_PER_PAGE',
    why: 'a segment whose first sector comes after its last is malformed: BLKIF_RSP_ERROR',
  },
  {
    name: 'blkback-end-off-by-one',
    exercise: '09-blkback-rw',
    file: 'dom0/blkback.ts',
    search: 'if (req.sectorNumber + total > disk.sectors) return BLKIF_RSP_ERROR;',
    replace: 'if (req.sectorNumber > disk.sectors) return BLKIF_RSP_ERROR;',
    why: 'the whole run of sectors, not only its first, must lie inside the disk',
  },
  {
    name: 'blkback-too-many-segments',
    exercise: '09-blkback-rw',
    file: 'dom0/blkback.ts',
    search: 'if (req.nrSegments === 0 || req.nrSegments > BLKIF_MAX_SEGMENTS_PER_REQUEST) {',
    replace: 'if (req.nrSegments === 0) {',
    why: 'nr_segments above 11 is more than a request can carry: BLKIF_RSP_ERROR',
  },
  {
    name: 'blkback-offset-ignored',
    exercise: '09-blkback-rw',
    file: 'dom0/blkback.ts',
    search: 'const bytes = io.copyFrom(seg.gref, seg.firstSect * SECTOR_SIZE, len);',
    replace: 'const bytes = io.copyFrom(seg.gref, 0, len);',
    why: 'a segment’s data starts at first_sect × 512 in its page, not at the page’s start',
  },
  {
    name: 'blkback-read-offset-ignored',
    exercise: '09-blkback-rw',
    file: 'dom0/blkback.ts',
    search:
      'if (io.copyTo(seg.gref, seg.firstSect * SECTOR_SIZE, bytes) < 0) status = BLKIF_RSP_ERROR;',
    replace: 'if (io.copyTo(seg.gref, 0, bytes) < 0) status = BLKIF_RSP_ERROR;',
    why: 'read data goes to first_sect × 512 of the segment’s page',
  },
  {
    name: 'blkback-write-as-you-go',
    exercise: '09-blkback-rw',
    file: 'dom0/blkback.ts',
    search: "      if (typeof bytes === 'number') return BLKIF_RSP_ERROR;\n      data.push(bytes);",
    replace:
      "      if (typeof bytes === 'number') return BLKIF_RSP_ERROR;\n      disk.write(sector, bytes);\n      data.push(new Uint8Array(0));\n      sector += bytes.length / SECTOR_SIZE;",
    why: 'a write whose later grant Xen refuses must leave the disk untouched: fetch every segment first',
  },
  {
    name: 'blkback-read-copy-status-ignored',
    exercise: '09-blkback-rw',
    file: 'dom0/blkback.ts',
    search:
      'if (io.copyTo(seg.gref, seg.firstSect * SECTOR_SIZE, bytes) < 0) status = BLKIF_RSP_ERROR;',
    replace: 'io.copyTo(seg.gref, seg.firstSect * SECTOR_SIZE, bytes);',
    why: 'a read into a page Xen refused (never granted, read-only) failed: BLKIF_RSP_ERROR',
  },
  {
    name: 'blkback-readonly-writable',
    exercise: '09-blkback-rw',
    file: 'dom0/blkback.ts',
    search: 'if (write && disk.readOnly) return BLKIF_RSP_ERROR;',
    replace: '',
    why: 'a read-only disk refuses writes',
  },
  {
    name: 'blkback-segments-overlap',
    exercise: '09-blkback-rw',
    file: 'dom0/blkback.ts',
    search: '    sector += count;\n  }\n  return status;',
    replace: '  }\n  return status;',
    why: 'the segments are consecutive on the disk: each reads the sectors after the last one’s',
  },
];
