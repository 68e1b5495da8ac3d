// 04-unmap-grant-ref: GNTTABOP_unmap_grant_ref undoes a mapping — the PTE, the pins, the status
// flags the granter watches, the handle — and nothing is left over when domains die with
// mappings still in place (book §4.3).

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/index.ts';
import {
  type Domain,
  GNTMAP_device_map,
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTST_bad_handle,
  GNTST_general_error,
  GNTST_okay,
  GTF_reading,
  GTF_writing,
  gnttabMapGrantRef,
  gnttabUnmapGrantRef,
  OWNER_FREE,
  type Xen,
} from '../src/xen/index.ts';
import { frameAt, grantWorld, hostVa, mapOp, randomGrant, readGrant, writeGrant } from './world.ts';

const unmapOp = (va: number, handle: number, devBusAddr = 0) => ({
  hostAddr: va,
  hostAddrHigh: 0,
  devBusAddr,
  handle,
});

/** The granter's view of ending a grant (Mini-OS gnttab_end_access): refused while in use. */
function endAccess(xen: Xen, granter: Domain, ref: number): boolean {
  const { flags } = readGrant(xen, granter, ref);
  if ((flags & (GTF_reading | GTF_writing)) !== 0) return false;
  return true;
}

describe('04-unmap-grant-ref', () => {
  test('unmapping restores the PTE, the pins and the flags; ending is refused until then', () => {
    const rng = testRng('unmap-restores');
    for (let round = 0; round < 4; round++) {
      const { xen, domains } = grantWorld(['granter', 'mapper'], rng.nextU32());
      const [granter, mapper] = domains as [Domain, Domain];
      const readonly = rng.below(2) === 1;
      const { ref, entry } = randomGrant(rng, granter, mapper, readonly);
      writeGrant(xen, granter, ref, entry);
      const cpu = mapper.vcpus[0]!.cpu;
      const flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0);
      const vas = [hostVa(rng), hostVa(rng) + 0x100000];
      const handles = vas.map(
        (va) => gnttabMapGrantRef(xen, mapper, cpu, mapOp(granter, ref, va, flags)).handle,
      );
      expect(endAccess(xen, granter, ref), 'the granter must not end a grant in use').toBe(false);
      expect(gnttabUnmapGrantRef(xen, mapper, cpu, unmapOp(vas[0]!, handles[0]!))).toBe(GNTST_okay);
      expect(frameAt(mapper, vas[0]!, false), 'the PTE at host_addr is cleared').toBe(-1);
      expect(frameAt(mapper, vas[1]!, false), 'the other mapping stays').toBe(entry.frame);
      expect(readGrant(xen, granter, ref).flags & GTF_reading, 'still one mapping').toBe(
        GTF_reading,
      );
      expect(gnttabUnmapGrantRef(xen, mapper, cpu, unmapOp(vas[1]!, handles[1]!))).toBe(GNTST_okay);
      expect(readGrant(xen, granter, ref), 'flags back to what the granter wrote').toEqual(entry);
      expect(granter.grantTable!.active[ref]!.pin, 'no pins left').toBe(0);
      expect(endAccess(xen, granter, ref), 'now the grant may end').toBe(true);
      const again = gnttabMapGrantRef(xen, mapper, cpu, mapOp(granter, ref, vas[0]!, flags));
      expect(again.handle, 'the last freed handle is reused first').toBe(handles[1]);
    }
  });

  test('writable and read-only mappings: GTF_writing goes with the last writer', () => {
    const rng = testRng('unmap-writing-flag');
    const { xen, domains } = grantWorld(['granter', 'mapper'], rng.nextU32());
    const [granter, mapper] = domains as [Domain, Domain];
    const { ref, entry } = randomGrant(rng, granter, mapper, false);
    writeGrant(xen, granter, ref, entry);
    const cpu = mapper.vcpus[0]!.cpu;
    const [ro, rw] = [hostVa(rng), hostVa(rng) + 0x100000];
    const hro = gnttabMapGrantRef(
      xen,
      mapper,
      cpu,
      mapOp(granter, ref, ro, GNTMAP_host_map | GNTMAP_readonly),
    );
    const hrw = gnttabMapGrantRef(xen, mapper, cpu, mapOp(granter, ref, rw));
    expect(gnttabUnmapGrantRef(xen, mapper, cpu, unmapOp(rw, hrw.handle))).toBe(GNTST_okay);
    expect(readGrant(xen, granter, ref).flags).toBe(entry.flags | GTF_reading);
    expect(gnttabUnmapGrantRef(xen, mapper, cpu, unmapOp(ro, hro.handle))).toBe(GNTST_okay);
    expect(readGrant(xen, granter, ref).flags).toBe(entry.flags);
  });

  test('every failure returns its GNTST code and leaves the mapping in place', () => {
    const rng = testRng('unmap-errors');
    const { xen, domains } = grantWorld(['granter', 'mapper'], rng.nextU32());
    const [granter, mapper] = domains as [Domain, Domain];
    const { ref, entry } = randomGrant(rng, granter, mapper, false);
    writeGrant(xen, granter, ref, entry);
    const cpu = mapper.vcpus[0]!.cpu;
    const va = hostVa(rng);
    const flags = GNTMAP_host_map | GNTMAP_device_map;
    const { handle } = gnttabMapGrantRef(xen, mapper, cpu, mapOp(granter, ref, va, flags));
    const pin = granter.grantTable!.active[ref]!.pin;
    const cases: [string, ReturnType<typeof unmapOp>, number][] = [
      ['a handle never given out', unmapOp(va, handle + 1 + rng.below(1000)), GNTST_bad_handle],
      ['host_addr that does not map the frame', unmapOp(va + 0x1000, handle), GNTST_general_error],
      ['a wrong dev_bus_addr', unmapOp(0, handle, (entry.frame + 1) * 4096), GNTST_general_error],
    ];
    for (const [what, op, status] of cases) {
      expect(gnttabUnmapGrantRef(xen, mapper, cpu, op), what).toBe(status);
      expect(granter.grantTable!.active[ref]!.pin, `${what}: pins unchanged`).toBe(pin);
      expect(frameAt(mapper, va, true), `${what}: still mapped`).toBe(entry.frame);
    }
    // The two halves can go separately; the handle lives until both are gone.
    expect(gnttabUnmapGrantRef(xen, mapper, cpu, unmapOp(0, handle, entry.frame * 4096))).toBe(0);
    expect(gnttabUnmapGrantRef(xen, mapper, cpu, unmapOp(va, handle))).toBe(GNTST_okay);
    expect(gnttabUnmapGrantRef(xen, mapper, cpu, unmapOp(va, handle)), 'twice').toBe(
      GNTST_bad_handle,
    );
    expect(readGrant(xen, granter, ref)).toEqual(entry);
  });

  test('counts balance after teardown: domains destroyed with live mappings', () => {
    const rng = testRng('unmap-teardown');
    const { xen, domains } = grantWorld(['granter', 'mapper', 'other'], rng.nextU32());
    const [granter, mapper, other] = domains as [Domain, Domain, Domain];
    const grants = [0, 1, 2].map(() => randomGrant(rng, granter, mapper, rng.below(2) === 1));
    const refs = new Set<number>();
    for (const g of grants) {
      if (refs.has(g.ref)) continue;
      refs.add(g.ref);
      writeGrant(xen, granter, g.ref, g.entry);
      const flags = GNTMAP_host_map | (g.entry.flags & 4 ? GNTMAP_readonly : 0);
      const r = gnttabMapGrantRef(
        xen,
        mapper,
        mapper.vcpus[0]!.cpu,
        mapOp(granter, g.ref, hostVa(rng), flags),
      );
      expect(r.status, `map of ref ${g.ref}`).toBe(GNTST_okay);
    }
    // The mapper dies with its mappings: the granter's pins and flags drop as if it unmapped.
    xen.destroyDomain(mapper);
    for (const ref of refs) {
      expect(granter.grantTable!.active[ref]!.pin, `ref ${ref} unpinned`).toBe(0);
      expect(readGrant(xen, granter, ref).flags & (GTF_reading | GTF_writing)).toBe(0);
    }
    // The granter dies while `other` maps one of its frames: that frame stays out of the heap
    // until the mapping goes, so it can never reach a new owner while still mapped.
    const { ref, entry } = randomGrant(rng, granter, other, false);
    writeGrant(xen, granter, ref, entry);
    const va = hostVa(rng);
    const { handle } = gnttabMapGrantRef(xen, other, other.vcpus[0]!.cpu, mapOp(granter, ref, va));
    xen.destroyDomain(granter);
    expect(xen.heap.owner[entry.frame], 'the mapped frame is not freed yet').toBe(granter.domid);
    expect(frameAt(other, va, true)).toBe(entry.frame);
    expect(gnttabUnmapGrantRef(xen, other, other.vcpus[0]!.cpu, unmapOp(va, handle))).toBe(
      GNTST_okay,
    );
    expect(xen.heap.owner[entry.frame], 'freed with the last mapping').toBe(OWNER_FREE);
    xen.destroyDomain(other);
    // Domain 0 keeps its own frames (its hypercall buffers); every other domain's are back.
    const used = [...xen.heap.owner].filter((o) => o > 0);
    expect(used, 'every domain frame is back in the heap').toEqual([]);
  });
});
