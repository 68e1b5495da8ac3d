// 04-grant-copy: GNTTABOP_copy moves bytes through grants (or the caller's own frames) without
// mapping anything, within page bounds, and only where a grant allows (book §4.1.2).

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/index.ts';
import {
  DOMID_SELF,
  type Domain,
  GNTCOPY_dest_gref,
  GNTCOPY_source_gref,
  GNTST_bad_copy_arg,
  GNTST_bad_domain,
  GNTST_bad_gntref,
  GNTST_general_error,
  GNTST_okay,
  GNTST_permission_denied,
  type GrantCopy,
  gnttabCopy,
  type Xen,
} from '../src/xen/index.ts';
import { grantWorld, randomGrant, readGrant, writeGrant } from './world.ts';

const PAGE = 4096;

function fill(xen: Xen, frame: number, rng: { nextU32(): number }): Uint8Array {
  const bytes = new Uint8Array(PAGE).map(() => rng.nextU32() & 0xff);
  xen.mem.writeBytes(frame * PAGE, bytes);
  return bytes;
}
const page = (xen: Xen, frame: number) => xen.mem.ram.slice(frame * PAGE, (frame + 1) * PAGE);

describe('04-grant-copy', () => {
  test("copies exactly len bytes from a granted page into the caller's frame, and back", () => {
    const rng = testRng('copy-both-ways');
    for (let round = 0; round < 6; round++) {
      const { xen, domains } = grantWorld(['granter', 'backend'], rng.nextU32());
      const [granter, backend] = domains as [Domain, Domain];
      const { ref, entry } = randomGrant(rng, granter, backend, false);
      writeGrant(xen, granter, ref, entry);
      const own = backend.p2m[rng.below(backend.p2m.length)]!;
      const src = fill(xen, entry.frame, rng);
      const dst = fill(xen, own, rng);
      const len = rng.below(PAGE + 1);
      const sOff = rng.below(PAGE - len + 1);
      const dOff = rng.below(PAGE - len + 1);
      const toOwn: GrantCopy = {
        source: { u: ref, domid: granter.domid, offset: sOff },
        dest: { u: own, domid: DOMID_SELF, offset: dOff },
        len,
        flags: GNTCOPY_source_gref,
      };
      expect(gnttabCopy(xen, backend, toOwn), `copy ${len} bytes`).toBe(GNTST_okay);
      const want = dst.slice();
      want.set(src.subarray(sOff, sOff + len), dOff);
      expect(page(xen, own), 'the destination page: copied bytes and nothing else').toEqual(want);
      expect(readGrant(xen, granter, ref), 'a copy leaves no GTF_reading behind').toEqual(entry);
      const back: GrantCopy = {
        source: { u: own, domid: DOMID_SELF, offset: dOff },
        dest: { u: ref, domid: granter.domid, offset: 0 },
        len,
        flags: GNTCOPY_dest_gref,
      };
      expect(gnttabCopy(xen, backend, back)).toBe(GNTST_okay);
      expect(page(xen, entry.frame).subarray(0, len)).toEqual(src.subarray(sOff, sOff + len));
      expect(readGrant(xen, granter, ref), 'nor GTF_writing').toEqual(entry);
    }
  });

  test('every failure returns its GNTST code and copies nothing', () => {
    const rng = testRng('copy-errors');
    const { xen, domains } = grantWorld(['granter', 'backend', 'victim'], rng.nextU32());
    const [granter, backend, victim] = domains as [Domain, Domain, Domain];
    const rw = randomGrant(rng, granter, backend, false);
    writeGrant(xen, granter, rw.ref, rw.entry);
    let ro = randomGrant(rng, granter, backend, true);
    while (ro.ref === rw.ref) ro = randomGrant(rng, granter, backend, true);
    writeGrant(xen, granter, ro.ref, ro.entry);
    const own = backend.p2m[rng.below(backend.p2m.length)]!;
    const victimFrame = victim.p2m[rng.below(victim.p2m.length)]!;
    const before = [page(xen, rw.entry.frame), page(xen, own), page(xen, victimFrame)];
    const len = 1 + rng.below(64);
    const gref = (ref: number, offset = 0) => ({ u: ref, domid: granter.domid, offset });
    const self = (frame: number, offset = 0) => ({ u: frame, domid: DOMID_SELF, offset });
    const cases: [string, GrantCopy, number][] = [
      [
        'source range past the page end',
        { source: gref(rw.ref, PAGE - len + 1), dest: self(own), len, flags: GNTCOPY_source_gref },
        GNTST_bad_copy_arg,
      ],
      [
        'destination range past the page end',
        { source: gref(rw.ref), dest: self(own, PAGE - len + 1), len, flags: GNTCOPY_source_gref },
        GNTST_bad_copy_arg,
      ],
      [
        'a frame of another domain named without a grant',
        {
          source: { u: victimFrame, domid: victim.domid, offset: 0 },
          dest: self(own),
          len,
          flags: 0,
        },
        GNTST_permission_denied,
      ],
      [
        'a frame of another domain named as the destination without a grant',
        {
          source: self(own),
          dest: { u: victimFrame, domid: victim.domid, offset: 0 },
          len,
          flags: 0,
        },
        GNTST_permission_denied,
      ],
      [
        'a frame of another domain as the destination, the source by grant',
        {
          source: gref(rw.ref),
          dest: { u: victimFrame, domid: victim.domid, offset: 0 },
          len,
          flags: GNTCOPY_source_gref,
        },
        GNTST_permission_denied,
      ],
      [
        'a frame the caller does not own, as DOMID_SELF',
        { source: self(victimFrame), dest: self(own), len, flags: 0 },
        GNTST_general_error,
      ],
      [
        'writing through a read-only grant',
        { source: self(own), dest: gref(ro.ref), len, flags: GNTCOPY_dest_gref },
        GNTST_general_error,
      ],
      [
        'an ungranted ref',
        { source: gref(rw.ref === 8 ? 9 : 8), dest: self(own), len, flags: GNTCOPY_source_gref },
        GNTST_general_error,
      ],
      [
        'a ref past the end of the table',
        { source: gref(4096 + rng.below(100)), dest: self(own), len, flags: GNTCOPY_source_gref },
        GNTST_bad_gntref,
      ],
      [
        'no such domain',
        {
          source: { u: rw.ref, domid: 200, offset: 0 },
          dest: self(own),
          len,
          flags: GNTCOPY_source_gref,
        },
        GNTST_bad_domain,
      ],
    ];
    for (const [what, op, status] of cases) {
      expect(gnttabCopy(xen, backend, op), what).toBe(status);
      expect(readGrant(xen, granter, rw.ref), `${what}: flags untouched`).toEqual(rw.entry);
      expect(readGrant(xen, granter, ro.ref), `${what}: flags untouched`).toEqual(ro.entry);
    }
    const after = [page(xen, rw.entry.frame), page(xen, own), page(xen, victimFrame)];
    expect(after, 'no byte moved').toEqual(before);
  });
});
