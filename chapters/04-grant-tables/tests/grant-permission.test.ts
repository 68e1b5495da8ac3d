// 04-grant-permission: the check every use of a grant goes through — a domain may use exactly
// the grants made to it, read-only where the granter said so, and only for frames the granter
// owns; on success the granter sees GTF_reading/GTF_writing (book §4.3).

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/index.ts';
import {
  activeEntry,
  type Domain,
  GNTST_general_error,
  GNTST_okay,
  GTF_accept_transfer,
  GTF_permit_access,
  GTF_reading,
  GTF_readonly,
  GTF_sub_page,
  GTF_writing,
  grantPermission,
  OWNER_XEN,
  type Xen,
} from '../src/xen/index.ts';
import { grantWorld, randomGrant, readGrant, writeGrant } from './world.ts';

/** Asks for `ld`'s use of `ref` in `rd`'s table, as a mapping. */
function ask(xen: Xen, rd: Domain, ref: number, ld: Domain, readonly: boolean, mapping = true) {
  return grantPermission(xen.heap, rd, rd.grantTable!, ref, ld.domid, readonly, mapping);
}

describe('04-grant-permission', () => {
  test('the grantee may use its grant; the granter then sees GTF_reading (and GTF_writing)', () => {
    const rng = testRng('permission-granted');
    for (let round = 0; round < 8; round++) {
      const { xen, domains } = grantWorld(['granter', 'grantee'], rng.nextU32());
      const [granter, grantee] = domains as [Domain, Domain];
      const grantedReadonly = rng.below(2) === 1;
      const { ref, entry } = randomGrant(rng, granter, grantee, grantedReadonly);
      writeGrant(xen, granter, ref, entry);
      const readonly = grantedReadonly || rng.below(2) === 1;
      expect(ask(xen, granter, ref, grantee, readonly), `ref ${ref} is granted to the asker`).toBe(
        GNTST_okay,
      );
      expect(readGrant(xen, granter, ref), 'only the status bits change').toEqual({
        ...entry,
        flags: entry.flags | GTF_reading | (readonly ? 0 : GTF_writing),
      });
    }
  });

  test('a grant meant for a third domain is refused, and the entry is left alone', () => {
    const rng = testRng('permission-third-domain');
    const { xen, domains } = grantWorld(['granter', 'intended', 'thief'], rng.nextU32());
    const [granter, intended, thief] = domains as [Domain, Domain, Domain];
    const { ref, entry } = randomGrant(rng, granter, intended, false);
    writeGrant(xen, granter, ref, entry);
    for (const readonly of [true, false]) {
      expect(ask(xen, granter, ref, thief, readonly), 'the entry names another domain').toBe(
        GNTST_general_error,
      );
      expect(readGrant(xen, granter, ref)).toEqual(entry);
    }
  });

  test('a reference in use by one domain cannot be used by another', () => {
    const rng = testRng('permission-pinned');
    const { xen, domains } = grantWorld(['granter', 'user', 'other'], rng.nextU32());
    const [granter, user, other] = domains as [Domain, Domain, Domain];
    const { ref, entry } = randomGrant(rng, granter, user, false);
    writeGrant(xen, granter, ref, entry);
    // As if `user` had mapped it: one host pin. Then the granter re-points the entry.
    Object.assign(activeEntry(granter.grantTable!, ref), {
      pin: 1,
      domid: user.domid,
      frame: entry.frame,
    });
    writeGrant(xen, granter, ref, { ...entry, domid: other.domid });
    expect(ask(xen, granter, ref, other, true), 'the pins belong to another domain').toBe(
      GNTST_general_error,
    );
  });

  test('a read-only grant cannot be used for writing', () => {
    const rng = testRng('permission-readonly');
    const { xen, domains } = grantWorld(['granter', 'grantee'], rng.nextU32());
    const [granter, grantee] = domains as [Domain, Domain];
    const { ref, entry } = randomGrant(rng, granter, grantee, true);
    writeGrant(xen, granter, ref, entry);
    expect(ask(xen, granter, ref, grantee, false), 'GTF_readonly forbids writing').toBe(
      GNTST_general_error,
    );
    expect(readGrant(xen, granter, ref).flags, 'no status bits left behind').toBe(
      GTF_permit_access | GTF_readonly,
    );
    expect(ask(xen, granter, ref, grantee, true), 'reading is what was granted').toBe(GNTST_okay);
    expect(readGrant(xen, granter, ref).flags).toBe(GTF_permit_access | GTF_readonly | GTF_reading);
  });

  test('an entry that is not a permit_access grant of a whole page grants nothing', () => {
    const rng = testRng('permission-type');
    const { xen, domains } = grantWorld(['granter', 'grantee'], rng.nextU32());
    const [granter, grantee] = domains as [Domain, Domain];
    const cases = [0, GTF_accept_transfer, 3, GTF_permit_access | GTF_sub_page];
    for (const flags of cases) {
      const { ref, entry } = randomGrant(rng, granter, grantee, false);
      writeGrant(xen, granter, ref, { ...entry, flags });
      expect(ask(xen, granter, ref, grantee, true), `flags 0x${flags.toString(16)}`).toBe(
        GNTST_general_error,
      );
      expect(readGrant(xen, granter, ref).flags).toBe(flags);
    }
  });

  test('a domain cannot grant a frame it does not own', () => {
    const rng = testRng('permission-ownership');
    const { xen, domains } = grantWorld(['granter', 'grantee', 'victim'], rng.nextU32());
    const [granter, grantee, victim] = domains as [Domain, Domain, Domain];
    const notOwned = [
      victim.p2m[rng.below(victim.p2m.length)]!, // another domain's frame
      grantee.p2m[rng.below(grantee.p2m.length)]!, // the grantee's own frame
      xen.heap.owner.indexOf(OWNER_XEN), // one of Xen's own frames
      xen.mem.frames + rng.below(1000), // past the end of memory
    ];
    for (const frame of notOwned) {
      const ref = 8 + rng.below(2040);
      writeGrant(xen, granter, ref, { flags: GTF_permit_access, domid: grantee.domid, frame });
      expect(
        ask(xen, granter, ref, grantee, true),
        `frame ${frame} is not d${granter.domid}'s`,
      ).toBe(GNTST_general_error);
      expect(readGrant(xen, granter, ref).flags).toBe(GTF_permit_access);
    }
  });
});
