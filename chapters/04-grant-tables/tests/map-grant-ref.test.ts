// 04-map-grant-ref: GNTTABOP_map_grant_ref — the bookkeeping (pins, maptrack handles, the
// status flags the granter sees) and every failure's GNTST code (book §4.1.1, §4.4).

import { describe, expect, test } from 'vitest';
import { EAX, EBX, ECX, EDX } from '../../../sim/host.ts';
import { minimalKernel } from '../../testing/elf.ts';
import { testRng } from '../../testing/index.ts';
import {
  copyToGuest,
  type Domain,
  EFAULT,
  EINVAL,
  GNTMAP_device_map,
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTPIN_devr_inc,
  GNTPIN_devw_inc,
  GNTPIN_hstr_inc,
  GNTPIN_hstw_inc,
  GNTST_bad_domain,
  GNTST_bad_gntref,
  GNTST_general_error,
  GNTST_okay,
  GNTTAB_MAP_GRANT_REF,
  GNTTABOP_map_grant_ref,
  GTF_permit_access,
  GTF_reading,
  GTF_writing,
  gnttabMapGrantRef,
  HYPERCALL_VECTOR,
  handleHostTrap,
  nrGrantEntries,
  readGuestU32,
} from '../src/xen/index.ts';
import { frameAt, grantWorld, hostVa, mapOp, randomGrant, readGrant, writeGrant } from './world.ts';

describe('04-map-grant-ref', () => {
  test('a domain maps exactly the frame granted to it, read-only where granted read-only', () => {
    const rng = testRng('map-what-was-granted');
    for (let round = 0; round < 8; round++) {
      const { xen, domains } = grantWorld(['granter', 'mapper'], rng.nextU32());
      const [granter, mapper] = domains as [Domain, Domain];
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
    }
  });

  test('attacks: no map without a grant, of a grant for another domain, of a frame not owned', () => {
    const rng = testRng('map-attacks');
    const { xen, domains } = grantWorld(['granter', 'intended', 'thief'], rng.nextU32());
    const [granter, intended, thief] = domains as [Domain, Domain, Domain];
    const cpu = thief.vcpus[0]!.cpu;
    const forOther = randomGrant(rng, granter, intended, false);
    writeGrant(xen, granter, forOther.ref, forOther.entry);
    let stolen = randomGrant(rng, granter, thief, false);
    while (stolen.ref === forOther.ref) stolen = randomGrant(rng, granter, thief, false);
    const victimFrame = intended.p2m[rng.below(intended.p2m.length)]!;
    writeGrant(xen, granter, stolen.ref, { ...stolen.entry, frame: victimFrame });
    let empty = 8 + rng.below(2040);
    while (empty === forOther.ref || empty === stolen.ref) empty = 8 + rng.below(2040);
    const attempts: [string, number, number][] = [
      ['a ref nobody granted', empty, -1],
      ['a grant made to another domain', forOther.ref, forOther.entry.frame],
      ['a grant of a frame the granter does not own', stolen.ref, victimFrame],
    ];
    for (const [what, ref, frame] of attempts) {
      const va = hostVa(rng);
      const r = gnttabMapGrantRef(xen, thief, cpu, mapOp(granter, ref, va));
      expect(r.status, what).toBe(GNTST_general_error);
      expect(frameAt(thief, va, false), `${what}: nothing mapped`).not.toBe(frame);
      expect(granter.grantTable!.active[ref]?.pin ?? 0, `${what}: no pin`).toBe(0);
    }
    expect(readGrant(xen, granter, forOther.ref)).toEqual(forOther.entry);
  });

  test('a grant in use by the domain it was made for cannot be mapped by another', () => {
    const rng = testRng('map-pinned-by-other');
    const { xen, domains } = grantWorld(['granter', 'intended', 'thief'], rng.nextU32());
    const [granter, intended, thief] = domains as [Domain, Domain, Domain];
    const { ref, entry } = randomGrant(rng, granter, intended, rng.below(2) === 1);
    writeGrant(xen, granter, ref, entry);
    const ro = GNTMAP_host_map | GNTMAP_readonly;
    const used = gnttabMapGrantRef(
      xen,
      intended,
      intended.vcpus[0]!.cpu,
      mapOp(granter, ref, hostVa(rng), ro),
    );
    expect(used.status, `d${intended.domid} maps the grant made to it`).toBe(GNTST_okay);
    const pin = granter.grantTable!.active[ref]!.pin;
    for (const flags of [ro, GNTMAP_device_map | GNTMAP_readonly]) {
      const va = hostVa(rng);
      const r = gnttabMapGrantRef(xen, thief, thief.vcpus[0]!.cpu, mapOp(granter, ref, va, flags));
      expect(
        r.status,
        `ref ${ref} is granted to d${intended.domid}, which has it mapped (pinned); d${thief.domid} ` +
          `maps it read-only with flags ${flags}: a pinned entry belongs to the domain that pinned ` +
          'it (active.domid), so the map fails with GNTST_general_error even though no new ' +
          'permission check is needed for a read-only map (book §4.4)',
      ).toBe(GNTST_general_error);
      expect(frameAt(thief, va, false), 'nothing mapped for the thief').not.toBe(entry.frame);
      expect(granter.grantTable!.active[ref]!.pin, 'the pins are unchanged').toBe(pin);
    }
  });

  test('a pin counter that reached 128 refuses further maps (GNTPIN_overflow)', () => {
    const rng = testRng('map-pin-overflow');
    const { xen, domains } = grantWorld(['granter', 'mapper'], rng.nextU32());
    const [granter, mapper] = domains as [Domain, Domain];
    const { ref, entry } = randomGrant(rng, granter, mapper, false);
    writeGrant(xen, granter, ref, entry);
    const cpu = mapper.vcpus[0]!.cpu;
    const kinds = [
      ['device_map|readonly', GNTMAP_device_map | GNTMAP_readonly, GNTPIN_devr_inc],
      ['device_map', GNTMAP_device_map, GNTPIN_devw_inc],
    ] as const;
    const [name, flags, inc] = kinds[rng.below(kinds.length)]!;
    for (let i = 0; i < 128; i++) {
      const r = gnttabMapGrantRef(xen, mapper, cpu, mapOp(granter, ref, 0, flags));
      expect(r.status, `${name} mapping ${i + 1} of 128`).toBe(GNTST_okay);
    }
    const pin = granter.grantTable!.active[ref]!.pin;
    expect(pin, `128 ${name} mappings: that 8-bit pin counter reads 128`).toBe(128 * inc);
    const r = gnttabMapGrantRef(xen, mapper, cpu, mapOp(granter, ref, 0, flags));
    expect(
      r.status,
      `a pin counter is 8 bits wide: at 128 its top bit (GNTPIN_overflow = 0x80808080) is set ` +
        'and Xen refuses any further map of the entry with GNTST_general_error, before the ' +
        'counter could wrap into its neighbour (book §4.4)',
    ).toBe(GNTST_general_error);
    expect(granter.grantTable!.active[ref]!.pin, 'and takes no pin').toBe(pin);
  });

  test('each mapping takes a pin of its kind and a fresh maptrack handle', () => {
    const rng = testRng('map-pins-and-handles');
    const { xen, domains } = grantWorld(['granter', 'mapper'], rng.nextU32());
    const [granter, mapper] = domains as [(typeof domains)[0], (typeof domains)[0]];
    const { ref, entry } = randomGrant(rng, granter, mapper, false);
    writeGrant(xen, granter, ref, entry);
    const cpu = mapper.vcpus[0]!.cpu;
    const kinds = [
      [GNTMAP_host_map, GNTPIN_hstw_inc],
      [GNTMAP_host_map | GNTMAP_readonly, GNTPIN_hstr_inc],
      [GNTMAP_device_map | GNTMAP_readonly, GNTPIN_devr_inc],
    ] as const;
    let pin = 0;
    const n = 2 + rng.below(4);
    for (let i = 0; i < n; i++) {
      const [flags, inc] = kinds[rng.below(kinds.length)]!;
      const va = hostVa(rng);
      const r = gnttabMapGrantRef(xen, mapper, cpu, mapOp(granter, ref, va, flags));
      pin += inc;
      expect(r.status, `mapping ${i + 1} with flags ${flags}`).toBe(GNTST_okay);
      expect(r.handle, 'handles come from the maptrack, lowest first').toBe(i);
      expect(r.devBusAddr, "dev_bus_addr is the frame's machine address").toBe(entry.frame * 4096);
      expect(granter.grantTable!.active[ref]!.pin, 'pin counts of the active entry').toBe(pin);
      expect(granter.grantTable!.active[ref]!.domid, "the pins are the mapper's").toBe(
        mapper.domid,
      );
    }
    expect(readGrant(xen, granter, ref).flags).toBe(GTF_permit_access | GTF_reading | GTF_writing);
  });

  test('a read-only mapping sets GTF_reading only; a later writable one adds GTF_writing', () => {
    const rng = testRng('map-status-flags');
    const { xen, domains } = grantWorld(['granter', 'mapper'], rng.nextU32());
    const [granter, mapper] = domains as [(typeof domains)[0], (typeof domains)[0]];
    const { ref, entry } = randomGrant(rng, granter, mapper, false);
    writeGrant(xen, granter, ref, entry);
    const cpu = mapper.vcpus[0]!.cpu;
    const ro = GNTMAP_host_map | GNTMAP_readonly;
    expect(gnttabMapGrantRef(xen, mapper, cpu, mapOp(granter, ref, hostVa(rng), ro)).status).toBe(
      0,
    );
    expect(readGrant(xen, granter, ref).flags).toBe(GTF_permit_access | GTF_reading);
    expect(gnttabMapGrantRef(xen, mapper, cpu, mapOp(granter, ref, hostVa(rng))).status).toBe(0);
    expect(readGrant(xen, granter, ref).flags).toBe(GTF_permit_access | GTF_reading | GTF_writing);
  });

  test('every failure returns its GNTST code and changes nothing', () => {
    const rng = testRng('map-errors');
    const { xen, domains } = grantWorld(['granter', 'mapper'], rng.nextU32());
    const [granter, mapper] = domains as [(typeof domains)[0], (typeof domains)[0]];
    const { ref, entry } = randomGrant(rng, granter, mapper, false);
    writeGrant(xen, granter, ref, entry);
    const cpu = mapper.vcpus[0]!.cpu;
    const va = hostVa(rng);
    const cases: [string, Parameters<typeof gnttabMapGrantRef>[3], number][] = [
      ['neither host_map nor device_map', mapOp(granter, ref, va, 0), GNTST_bad_gntref],
      [
        'no such domain',
        { ...mapOp(granter, ref, va), dom: 100 + rng.below(100) },
        GNTST_bad_domain,
      ],
      [
        'ref past the end of the table',
        mapOp(granter, 2048 + rng.below(1000), va),
        GNTST_bad_gntref,
      ],
      [
        'ref nr_grant_entries, one past the last entry',
        mapOp(granter, nrGrantEntries(granter.grantTable!), va),
        GNTST_bad_gntref,
      ],
      [
        'an empty entry (nothing granted)',
        mapOp(granter, ref + 1 > 2047 ? 9 : ref + 1, va),
        GNTST_general_error,
      ],
      [
        'host_addr with no L1 table',
        mapOp(granter, ref, 0x40000000 + rng.below(16) * 4096),
        GNTST_general_error,
      ],
      ["host_addr in Xen's hole", mapOp(granter, ref, 0xf5800000), GNTST_general_error],
    ];
    for (const [what, op, status] of cases) {
      const r = gnttabMapGrantRef(xen, mapper, cpu, op);
      expect(r.status, what).toBe(status);
      expect(granter.grantTable!.active[ref]?.pin ?? 0, `${what}: no pin taken`).toBe(0);
      expect(readGrant(xen, granter, ref), `${what}: the entry is untouched`).toEqual(entry);
    }
    expect(frameAt(mapper, va, false), 'nothing was mapped').not.toBe(entry.frame);
    // A domain that has not set up its table (version 0) cannot be mapped from.
    const fresh = xen.createDomain(minimalKernel(), {
      name: 'no-table',
      memoryMiB: 8,
      cmdline: '',
    }).domain;
    const r = gnttabMapGrantRef(xen, mapper, cpu, mapOp(fresh, 8, va));
    expect(r.status, 'a table not set up yet').toBe(GNTST_general_error);
    // After all those failures the first handle is still free.
    expect(gnttabMapGrantRef(xen, mapper, cpu, mapOp(granter, ref, va)).handle).toBe(0);
  });

  test('through the hypercall: a batch reports a status per op', () => {
    const rng = testRng('map-batch');
    const { xen, domains } = grantWorld(['granter', 'mapper'], rng.nextU32());
    const [granter, mapper] = domains as [(typeof domains)[0], (typeof domains)[0]];
    const { ref, entry } = randomGrant(rng, granter, mapper, false);
    writeGrant(xen, granter, ref, entry);
    const v = mapper.vcpus[0]!;
    const uop = 0x300000;
    const f = GNTTAB_MAP_GRANT_REF;
    const refs = [ref, ref === 8 ? 9 : 8, ref];
    refs.forEach((r, i) => {
      const s = new DataView(new ArrayBuffer(f.size));
      s.setUint32(f.host_addr, 0x200000 + i * 4096, true);
      s.setUint32(f.flags, GNTMAP_host_map, true);
      s.setUint32(f.ref, r, true);
      s.setUint16(f.dom, granter.domid, true);
      expect(copyToGuest(v.cpu, uop + i * f.size, new Uint8Array(s.buffer))).toBe(0);
    });
    const call = (count: number, at = uop) => {
      v.cpu.reg32[EAX] = 20;
      v.cpu.reg32[EBX] = GNTTABOP_map_grant_ref;
      v.cpu.reg32[ECX] = at;
      v.cpu.reg32[EDX] = count;
      v.cpu.exitSoftware = true;
      v.cpu.exitVector = HYPERCALL_VECTOR;
      v.cpu.exitHasErrorCode = false;
      handleHostTrap(xen, v);
      return v.cpu.reg32[EAX]!;
    };
    expect(call(3), 'the call itself succeeds').toBe(0);
    const status = (i: number) => (readGuestU32(v.cpu, uop + i * f.size + f.status)! << 16) >> 16;
    expect([status(0), status(1), status(2)]).toEqual([
      GNTST_okay,
      GNTST_general_error,
      GNTST_okay,
    ]);
    expect(readGuestU32(v.cpu, uop + 2 * f.size + f.handle), 'second good map, handle 1').toBe(1);
    expect(frameAt(mapper, 0x202000, true)).toBe(entry.frame);
    expect(call(-1), 'a negative count').toBe(-EINVAL);
    expect(call(1, 0x40000000), 'an op array the guest cannot read').toBe(-EFAULT);
  });
});
