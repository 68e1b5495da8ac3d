// xenlab: file from 04
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, translateForHost } from '../../sim/host.ts';
import { mapGrantTable } from '../dom0/grant-table-setup.ts';
import {
  GNTMAP_application_map,
  GNTMAP_contains_pte,
  GNTMAP_device_map,
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTST_general_error,
  GNTST_okay,
  GTF_permit_access,
  GTF_reading,
} from './abi.ts';
import { gnttabMapGrantRef, gnttabUnmapGrantRef, l1EntryAddress } from './grant-map.ts';
import { readSharedEntry, sharedEntryAddress } from './grant-table.ts';
import { PGT_l1_page_table, PGT_writable_page } from './mm.ts';
import { bootTestDomain, minimalKernel } from './testing/boot.ts';

function twoDomains() {
  const t = bootTestDomain();
  const granter = t.xen.createDomain(minimalKernel(), {
    name: 'g',
    memoryMiB: 16,
    cmdline: '',
  }).domain;
  mapGrantTable(t.xen, granter);
  const gt = granter.grantTable!;
  const grant = (ref: number, frame: number, flags = GTF_permit_access) => {
    const ma = sharedEntryAddress(gt, ref);
    t.xen.mem.write16(ma + 2, t.domain.domid);
    t.xen.mem.write32(ma + 4, frame);
    t.xen.mem.write16(ma, flags);
  };
  return { ...t, granter, gt, grant };
}

describe('grant mapping', () => {
  it('finds the L1 entry of a mapped address and refuses the hole and unmapped ranges', () => {
    const t = bootTestDomain();
    const pte = l1EntryAddress(t.xen.heap, t.cpu.cr3, 0x1000);
    expect(t.xen.mem.read32(pte) >>> 12, 'the L1 entry maps pfn 1').toBe(t.domain.p2m[1]);
    expect(l1EntryAddress(t.xen.heap, t.cpu.cr3, 0x40000000)).toBe(-1);
    expect(l1EntryAddress(t.xen.heap, t.cpu.cr3, 0xf5800000)).toBe(-1);
  });

  it('host, device, application and contains_pte mappings', () => {
    const t = twoDomains();
    const frame = t.granter.p2m[7]!;
    t.grant(8, frame);
    const va = 0x200000;
    const app = gnttabMapGrantRef(t.xen, t.domain, t.cpu, {
      hostAddr: va,
      hostAddrHigh: 0,
      flags: GNTMAP_host_map | GNTMAP_device_map | GNTMAP_application_map | GNTMAP_readonly,
      ref: 8,
      dom: t.granter.domid,
    });
    expect(app.status).toBe(GNTST_okay);
    expect(app.devBusAddr).toBe(frame * PAGE_SIZE);
    const pte = l1EntryAddress(t.xen.heap, t.cpu.cr3, va);
    expect(t.xen.mem.read32(pte), 'present, user, accessed, dirty; not writable').toBe(
      frame * PAGE_SIZE + 0x65,
    );
    expect(readSharedEntry(t.xen.heap, t.gt, 8).flags).toBe(GTF_permit_access | GTF_reading);
    // contains_pte: host_addr is the machine address of the PTE itself.
    const pte2 = l1EntryAddress(t.xen.heap, t.cpu.cr3, va + PAGE_SIZE);
    const byPte = gnttabMapGrantRef(t.xen, t.domain, t.cpu, {
      hostAddr: pte2,
      hostAddrHigh: 0,
      flags: GNTMAP_host_map | GNTMAP_contains_pte,
      ref: 8,
      dom: t.granter.domid,
    });
    expect(byPte.status).toBe(GNTST_okay);
    expect(translateForHost(t.cpu, va + PAGE_SIZE, true)).toBe(frame * PAGE_SIZE);
    const unmap = (hostAddr: number, handle: number, devBusAddr = 0) =>
      gnttabUnmapGrantRef(t.xen, t.domain, t.cpu, {
        hostAddr,
        hostAddrHigh: 0,
        devBusAddr,
        handle,
      });
    expect(unmap(pte2, byPte.handle)).toBe(GNTST_okay);
    expect(unmap(va, app.handle, frame * PAGE_SIZE)).toBe(GNTST_okay);
    expect(t.gt.active[8]!.pin).toBe(0);
    expect(readSharedEntry(t.xen.heap, t.gt, 8).flags).toBe(GTF_permit_access);
    expect(
      t.domain.grantTable!.maptrackFree,
      'both handles are free, the last freed on top',
    ).toEqual([byPte.handle, app.handle]);
  });

  it('a writable mapping holds a writable-type reference, so a page table is never mapped writable', () => {
    const t = twoDomains();
    const heap = t.xen.heap;
    const map = (ref: number, va: number, readonly: boolean) =>
      gnttabMapGrantRef(t.xen, t.domain, t.cpu, {
        hostAddr: va,
        hostAddrHigh: 0,
        flags: GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0),
        ref,
        dom: t.granter.domid,
      });
    const unmap = (va: number, handle: number) =>
      gnttabUnmapGrantRef(t.xen, t.domain, t.cpu, {
        hostAddr: va,
        hostAddrHigh: 0,
        devBusAddr: 0,
        handle,
      });
    // One of the granter's own L1 tables, granted by its owner.
    const l1 = Math.floor(l1EntryAddress(heap, t.granter.vcpus[0]!.cpu.cr3, 0x1000) / PAGE_SIZE);
    expect(heap.type[l1]).toBe(PGT_l1_page_table);
    t.grant(9, l1);
    expect(map(9, 0x200000, false).status, 'a page table mapped writable').toBe(
      GNTST_general_error,
    );
    const ro = map(9, 0x200000, true);
    expect(ro.status, 'read-only is allowed').toBe(GNTST_okay);
    expect(unmap(0x200000, ro.handle)).toBe(GNTST_okay);
    // An ordinary page: the mapping holds one general and one writable-type reference.
    const frame = t.granter.p2m[7]!;
    const before = [heap.count[frame], heap.typeCount[frame]];
    t.grant(8, frame);
    const rw = map(8, 0x201000, false);
    expect(rw.status).toBe(GNTST_okay);
    expect([heap.count[frame], heap.typeCount[frame]]).toEqual([before[0]! + 1, before[1]! + 1]);
    expect(heap.type[frame]).toBe(PGT_writable_page);
    expect(unmap(0x201000, rw.handle)).toBe(GNTST_okay);
    expect([heap.count[frame], heap.typeCount[frame]], 'unmap gives them back').toEqual(before);
  });
});
