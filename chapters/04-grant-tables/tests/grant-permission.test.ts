// 04-grant-permission: a domain may use exactly the grants made to it, read-only where the
// granter said so, and only for frames the granter owns (book §4.3).

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/index.ts';
import {
  DOMID_SELF,
  GNTCOPY_source_gref,
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTST_general_error,
  GNTST_okay,
  GTF_accept_transfer,
  GTF_permit_access,
  GTF_reading,
  GTF_readonly,
  GTF_writing,
  gnttabCopy,
  gnttabMapGrantRef,
  grantPermission,
} from '../src/xen/index.ts';
import { frameAt, grantWorld, hostVa, mapOp, randomGrant, readGrant, writeGrant } from './world.ts';

describe('04-grant-permission', () => {
  test('a domain maps exactly the frame granted to it, read-only where granted read-only', () => {
    const rng = testRng('permission-maps-what-was-granted');
    for (let round = 0; round < 8; round++) {
      const { xen, domains } = grantWorld(['granter', 'mapper'], rng.nextU32());
      const [granter, mapper] = domains as [(typeof domains)[0], (typeof domains)[0]];
      const readonly = rng.below(2) === 1;
      const { ref, entry } = randomGrant(rng, granter, mapper, readonly);
      writeGrant(xen, granter, ref, entry);
      const va = hostVa(rng);
      const flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0);
      const r = gnttabMapGrantRef(
        xen,
        mapper,
        mapper.vcpus[0]!.cpu,
        mapOp(granter, ref, va, flags),
      );
      expect(r.status, `map of ref ${ref} granted to d${mapper.domid} (book §4.4)`).toBe(
        GNTST_okay,
      );
      expect(frameAt(mapper, va, false), 'the mapper reads the granted frame at host_addr').toBe(
        entry.frame,
      );
      expect(frameAt(mapper, va, true), 'writable exactly when granted and mapped writable').toBe(
        readonly ? -1 : entry.frame,
      );
      expect(readGrant(xen, granter, ref).flags, 'the granter sees its grant in use').toBe(
        entry.flags | GTF_reading | (readonly ? 0 : GTF_writing),
      );
    }
  });

  test('a grant meant for a third domain cannot be used', () => {
    const rng = testRng('permission-third-domain');
    const { xen, domains } = grantWorld(['granter', 'intended', 'thief'], rng.nextU32());
    const [granter, intended, thief] = domains as [
      (typeof domains)[0],
      (typeof domains)[0],
      (typeof domains)[0],
    ];
    const { ref, entry } = randomGrant(rng, granter, intended, false);
    writeGrant(xen, granter, ref, entry);
    const va = hostVa(rng);
    const r = gnttabMapGrantRef(xen, thief, thief.vcpus[0]!.cpu, mapOp(granter, ref, va));
    expect(r.status, 'the entry names another domain: GNTST_general_error').toBe(
      GNTST_general_error,
    );
    expect(frameAt(thief, va, false), 'nothing was mapped').not.toBe(entry.frame);
    expect(readGrant(xen, granter, ref), 'the entry is untouched').toEqual(entry);
    const copy = gnttabCopy(xen, thief, {
      source: { u: ref, domid: granter.domid, offset: 0 },
      dest: { u: thief.p2m[0]!, domid: DOMID_SELF, offset: 0 },
      len: 16,
      flags: GNTCOPY_source_gref,
    });
    expect(copy, 'copying through the same grant is refused too').toBe(GNTST_general_error);
  });

  test('a read-only grant cannot be used for writing', () => {
    const rng = testRng('permission-readonly');
    const { xen, domains } = grantWorld(['granter', 'mapper'], rng.nextU32());
    const [granter, mapper] = domains as [(typeof domains)[0], (typeof domains)[0]];
    const { ref, entry } = randomGrant(rng, granter, mapper, true);
    writeGrant(xen, granter, ref, entry);
    const status = grantPermission(
      xen.heap,
      granter,
      granter.grantTable!,
      ref,
      mapper.domid,
      false,
      true,
    );
    expect(status, 'GTF_readonly forbids a writable use').toBe(GNTST_general_error);
    expect(readGrant(xen, granter, ref).flags, 'no GTF_reading/GTF_writing left behind').toBe(
      GTF_permit_access | GTF_readonly,
    );
    const ok = grantPermission(
      xen.heap,
      granter,
      granter.grantTable!,
      ref,
      mapper.domid,
      true,
      true,
    );
    expect(ok, 'reading is what was granted').toBe(GNTST_okay);
    expect(readGrant(xen, granter, ref).flags).toBe(GTF_permit_access | GTF_readonly | GTF_reading);
  });

  test('an entry that is not a permit_access grant cannot be used', () => {
    const rng = testRng('permission-type');
    const { xen, domains } = grantWorld(['granter', 'mapper'], rng.nextU32());
    const [granter, mapper] = domains as [(typeof domains)[0], (typeof domains)[0]];
    for (const type of [0, GTF_accept_transfer, 3]) {
      const { ref, entry } = randomGrant(rng, granter, mapper, false);
      writeGrant(xen, granter, ref, { ...entry, flags: type });
      const va = hostVa(rng);
      const r = gnttabMapGrantRef(xen, mapper, mapper.vcpus[0]!.cpu, mapOp(granter, ref, va));
      expect(r.status, `an entry of type ${type} grants nothing`).toBe(GNTST_general_error);
      expect(frameAt(mapper, va, false)).not.toBe(entry.frame);
    }
  });

  test('a domain cannot grant a frame it does not own', () => {
    const rng = testRng('permission-ownership');
    const { xen, domains } = grantWorld(['granter', 'mapper', 'victim'], rng.nextU32());
    const [granter, mapper, victim] = domains as [
      (typeof domains)[0],
      (typeof domains)[0],
      (typeof domains)[0],
    ];
    const notOwned = [
      victim.p2m[rng.below(victim.p2m.length)]!, // another domain's frame
      mapper.p2m[rng.below(mapper.p2m.length)]!, // the mapper's own frame
      xen.mem.frames + rng.below(1000), // past the end of memory
    ];
    for (const frame of notOwned) {
      const ref = 8 + rng.below(2040);
      writeGrant(xen, granter, ref, { flags: GTF_permit_access, domid: mapper.domid, frame });
      const va = hostVa(rng);
      const r = gnttabMapGrantRef(xen, mapper, mapper.vcpus[0]!.cpu, mapOp(granter, ref, va));
      expect(r.status, `frame ${frame} does not belong to d${granter.domid}`).toBe(
        GNTST_general_error,
      );
      expect(frameAt(mapper, va, false)).not.toBe(frame);
      expect(readGrant(xen, granter, ref).flags).toBe(GTF_permit_access);
    }
  });
});
