// The composition tier, random hypercalls: two guests and domain 0 issue seeded random
// sequences of the calls through which chapters 04 and 05 meet — grants and their mappings,
// copies and transfers, mmu_update and update_va_mapping (also from domain 0, for another
// domain's frames and tables), pins, and the reservation — with every invariant checked after
// each hypercall; domains die with mappings live and new ones take their place.

import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, Prng, translateForHost } from '../../sim/host.ts';
import { mapGrantTable } from '../dom0/grant-table-setup.ts';
import { Privcmd } from '../dom0/privcmd.ts';
import {
  _PAGE_PRESENT,
  _PAGE_RW,
  _PAGE_USER,
  DOMID_SELF,
  GNTMAP_contains_pte,
  GNTMAP_device_map,
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTTAB_COPY,
  GNTTAB_MAP_GRANT_REF,
  GNTTAB_UNMAP_GRANT_REF,
  GNTTABOP_copy,
  GNTTABOP_map_grant_ref,
  GNTTABOP_transfer,
  GNTTABOP_unmap_grant_ref,
  GTF_accept_transfer,
  GTF_permit_access,
  GTF_readonly,
  MMU_MACHPHYS_UPDATE,
  MMUEXT_NEW_BASEPTR,
  MMUEXT_PIN_L1_TABLE,
  MMUEXT_PIN_L2_TABLE,
  MMUEXT_PIN_L3_TABLE,
  MMUEXT_TLB_FLUSH_LOCAL,
  MMUEXT_UNPIN_TABLE,
  UVMF_INVLPG,
  XENMEM_decrease_reservation,
  XENMEM_increase_reservation,
  XENMEM_populate_physmap,
} from '../xen/abi.ts';
import { DOM0_BUFFER_PAGES, DOM0_BUFFER_VA, dom0Hypercall, hypercallFrom } from '../xen/dom0.ts';
import type { Domain, Vcpu } from '../xen/domain.ts';
import { sharedEntryAddress } from '../xen/grant-table.ts';
import { l1eAddress } from '../xen/page.ts';
import { minimalKernel } from '../xen/testing/boot.ts';
import { type CheckedXen, checkedXen } from './checked.ts';

const NR = { mmu_update: 1, memory_op: 12, update_va_mapping: 14, grant_table_op: 20 } as const;
const NR_update_va_mapping_otherdomain = 22;
const NR_mmuext_op = 26;
/** A guest's argument pages: mapped writable in every bootstrap region, used by nothing. */
const SCRATCH = 0x20000;
const SEEDS = 16;
const STEPS = 160;

/** Who issues a call: a guest's vCPU with its scratch pages, or domain 0 with its buffers. */
interface Caller {
  domain: Domain;
  /** Writes u32s at byte `offset` of the argument area; returns their address. */
  put(offset: number, words: readonly number[]): number;
  call(nr: number, ...args: number[]): number;
}

function guestCaller(c: CheckedXen, d: Domain): Caller {
  const v: Vcpu = d.vcpus[0]!;
  return {
    domain: d,
    put(offset, words) {
      words.forEach((w, i) => {
        c.xen.mem.write32(translateForHost(v.cpu, SCRATCH + offset + i * 4, true), w >>> 0);
      });
      return SCRATCH + offset;
    },
    call: (nr, ...args) => hypercallFrom(c.xen, v, nr, args),
  };
}

function dom0Caller(c: CheckedXen): Caller {
  const privcmd = new Privcmd(c.xen);
  return {
    domain: c.xen.findDomain(0)!,
    put: (offset, words) => privcmd.writeU32(offset, words),
    call: (nr, ...args) => dom0Hypercall(c.xen, nr, args),
  };
}

/** One seeded world: two guests with grant tables, domain 0, and what they have mapped. */
function world(seed: number) {
  const c = checkedXen(24);
  const rng = new Prng(seed);
  const create = (name: string) => {
    const d = c.toolstack.create(kernel(), {
      name,
      memoryMiB: 4,
      cmdline: '',
      seed: rng.nextU32(),
    });
    mapGrantTable(c.xen, d);
    c.check(`creating ${name}`);
    return d;
  };
  const guests = [create('a'), create('b')];
  /** Live grant mappings: who mapped, the handle, the host address it used. */
  const maps: Array<{ d: Domain; handle: number; hostAddr: number }> = [];
  /** Domain 0's mappings of guest frames: its VA → the guest mapped from. */
  const foreign = new Map<number, Domain>();
  return { c, rng, guests, maps, foreign, create };
}

/** A kernel that never runs: every call here is made on its behalf. */
const kernel = (() => {
  const image = minimalKernel();
  return () => image;
})();

type World = ReturnType<typeof world>;

const pick = <T>(rng: Prng, xs: readonly T[]): T => xs[rng.below(xs.length)]!;

/** A frame worth naming: the caller's own, another domain's, a table, Xen's, or none. */
function anyFrame(w: World, d: Domain): number {
  const heap = w.c.xen.heap;
  const other = pick(w.rng, w.guests);
  switch (w.rng.below(6)) {
    case 0:
      return other.p2m[w.rng.below(other.p2m.length)]!;
    case 1:
      return d.grantTable?.frames[w.rng.below(4)] ?? 0;
    case 2: {
      // One of its page tables, if any frame of it has a type now.
      const typed = heap.owner.findIndex((o, mfn) => o === d.domid && heap.typeCount[mfn]! > 0);
      return typed + w.rng.below(8);
    }
    case 3:
      return pick(w.rng, [heap.m2pL1Mfn, heap.owner.length + 5, 0]);
    default:
      return d.p2m[w.rng.below(d.p2m.length)]!;
  }
}

/** A guest VA worth naming: in its bootstrap region (not the scratch pages), or anywhere. */
function anyVa(w: World): number {
  if (w.rng.below(8) === 0) return pick(w.rng, [0x40000000, 0xf5800000, 0xc0000000]);
  for (;;) {
    const va = w.rng.below(0x100) * PAGE_SIZE;
    if (va >>> 13 !== SCRATCH >>> 13) return va;
  }
}

function pteFlags(w: World): number {
  const flags = _PAGE_PRESENT | (w.rng.below(2) ? _PAGE_RW : 0) | (w.rng.below(2) ? _PAGE_USER : 0);
  return w.rng.below(10) === 0 ? 0 : w.rng.below(12) === 0 ? flags | 0x100 : flags;
}

/** One random step by a guest. */
function guestStep(w: World, d: Domain): void {
  const g = guestCaller(w.c, d);
  const peer = w.guests.find((x) => x !== d)!;
  const heap = w.c.xen.heap;
  const rng = w.rng;
  switch (rng.below(11)) {
    case 0: {
      const entry = anyFrame(w, d) * PAGE_SIZE + pteFlags(w);
      g.call(NR.update_va_mapping, anyVa(w), entry, 0, UVMF_INVLPG);
      break;
    }
    case 1: {
      // An entry of one of its tables (or of any frame of its own), by machine address.
      const table = anyFrame(w, d);
      const ptr = table * PAGE_SIZE + rng.below(512) * 8;
      const args = g.put(0, [ptr, 0, anyFrame(w, d) * PAGE_SIZE + pteFlags(w), 0]);
      g.call(NR.mmu_update, args, 1, 0, pick(rng, [DOMID_SELF, peer.domid]));
      break;
    }
    case 2: {
      const mfn = anyFrame(w, d);
      g.call(
        NR.mmu_update,
        g.put(0, [mfn * PAGE_SIZE + MMU_MACHPHYS_UPDATE, 0, rng.below(2048), 0]),
        1,
        0,
        DOMID_SELF,
      );
      break;
    }
    case 3: {
      const cmd = pick(rng, [
        MMUEXT_PIN_L1_TABLE,
        MMUEXT_PIN_L2_TABLE,
        MMUEXT_PIN_L3_TABLE,
        MMUEXT_UNPIN_TABLE,
        MMUEXT_TLB_FLUSH_LOCAL,
        MMUEXT_NEW_BASEPTR,
      ]);
      g.call(NR_mmuext_op, g.put(0, [cmd, anyFrame(w, d), 0]), 1, 0, DOMID_SELF);
      break;
    }
    case 4: {
      const op = pick(rng, [
        XENMEM_decrease_reservation,
        XENMEM_increase_reservation,
        XENMEM_populate_physmap,
      ]);
      const extent = op === XENMEM_populate_physmap ? rng.below(d.p2m.length + 8) : anyFrame(w, d);
      g.put(64, [extent]);
      const res = g.put(0, [SCRATCH + 64, 1, 0, 0, DOMID_SELF]);
      g.call(NR.memory_op, op, res);
      break;
    }
    case 5: {
      // The guest's side of a grant: domid and frame, then flags, in its shared entry.
      const gt = d.grantTable!;
      const ref = 8 + rng.below(16);
      const ma = sharedEntryAddress(gt, ref);
      heap.mem.write16(ma + 2, pick(rng, [peer.domid, peer.domid, d.domid, 0]));
      heap.mem.write32(
        ma + 4,
        rng.below(4) === 0 ? anyFrame(w, d) : d.p2m[rng.below(d.p2m.length)]!,
      );
      const flags =
        rng.below(6) === 0
          ? GTF_accept_transfer
          : GTF_permit_access | (rng.below(2) ? GTF_readonly : 0);
      heap.mem.write16(ma, rng.below(10) === 0 ? 0 : flags);
      break;
    }
    case 6:
    case 7: {
      const f = GNTTAB_MAP_GRANT_REF;
      const va = anyVa(w);
      let flags = GNTMAP_host_map | (rng.below(2) ? GNTMAP_readonly : 0);
      if (rng.below(6) === 0) flags |= GNTMAP_device_map;
      let hostAddr = va;
      if (rng.below(5) === 0) {
        flags |= GNTMAP_contains_pte;
        hostAddr = Math.max(0, l1eAddress(heap.mem, d.vcpus[0]!.cpu.cr3, va));
      }
      const words = new Array<number>(f.size / 4).fill(0);
      words[f.host_addr / 4] = hostAddr;
      words[f.flags / 4] = flags;
      words[f.ref / 4] = 8 + rng.below(16);
      words[f.dom / 4] = peer.domid;
      g.put(0, words);
      g.call(NR.grant_table_op, GNTTABOP_map_grant_ref, SCRATCH, 1);
      const status =
        (heap.mem.read32(translateForHost(d.vcpus[0]!.cpu, SCRATCH + f.status, false)) << 16) >> 16;
      const handle = heap.mem.read32(translateForHost(d.vcpus[0]!.cpu, SCRATCH + f.handle, false));
      if (status === 0) w.maps.push({ d, handle, hostAddr });
      break;
    }
    case 8: {
      const f = GNTTAB_UNMAP_GRANT_REF;
      const mine = w.maps.filter((m) => m.d === d);
      const m =
        mine.length > 0 && rng.below(6) !== 0
          ? pick(rng, mine)
          : { d, handle: rng.below(4), hostAddr: anyVa(w) };
      const words = new Array<number>(f.size / 4).fill(0);
      words[f.host_addr / 4] = m.hostAddr;
      words[f.handle / 4] = m.handle;
      g.put(0, words);
      g.call(NR.grant_table_op, GNTTABOP_unmap_grant_ref, SCRATCH, 1);
      const status =
        (heap.mem.read32(translateForHost(d.vcpus[0]!.cpu, SCRATCH + f.status, false)) << 16) >> 16;
      if (status === 0) w.maps.splice(w.maps.indexOf(m as (typeof w.maps)[number]), 1);
      break;
    }
    case 9: {
      // GNTTABOP_copy: from a ref of the peer (GNTCOPY_source_gref) into a frame of its own.
      const f = GNTTAB_COPY;
      const words = new Array<number>(f.size / 4).fill(0);
      words[f.source_u / 4] = 8 + rng.below(16);
      words[f.source_domid / 4] = peer.domid | (rng.below(4096) << 16);
      words[f.dest_u / 4] = anyFrame(w, d);
      words[f.dest_domid / 4] = DOMID_SELF | (rng.below(4096) << 16);
      words[f.len / 4] = rng.below(256) | (1 << 16);
      g.put(0, words);
      g.call(NR.grant_table_op, GNTTABOP_copy, SCRATCH, 1);
      break;
    }
    default:
      // GNTTABOP_transfer: a frame of its own to the peer, through one of the peer's refs.
      g.call(
        NR.grant_table_op,
        GNTTABOP_transfer,
        g.put(0, [anyFrame(w, d), peer.domid, 8 + rng.below(16), 0]),
        1,
      );
  }
}

/** Domain 0's first VA for mappings of guest frames: past its buffers, in the same L1. */
const DOM0_MAP_VA = DOM0_BUFFER_VA + DOM0_BUFFER_PAGES * PAGE_SIZE;

/** One random step by domain 0: foreign mappings, and another domain's tables. */
function dom0Step(w: World): void {
  const g = dom0Caller(w.c);
  const d = pick(w.rng, w.guests);
  const rng = w.rng;
  const va = DOM0_MAP_VA + rng.below(16) * PAGE_SIZE;
  switch (rng.below(3)) {
    case 0: {
      const mapped = w.foreign.get(va);
      const entry = mapped === undefined ? anyFrame(w, d) * PAGE_SIZE + pteFlags(w) : 0;
      const target = mapped ?? d;
      const rc = g.call(NR_update_va_mapping_otherdomain, va, entry, 0, UVMF_INVLPG, target.domid);
      if (rc === 0 && entry !== 0 && (entry & _PAGE_PRESENT) !== 0) w.foreign.set(va, target);
      if (rc === 0 && (entry & _PAGE_PRESENT) === 0) w.foreign.delete(va);
      break;
    }
    case 1: {
      // mmu_update of one of the guest's L1 entries: its tables (PFD) and its frames (FD).
      const l1 = l1eAddress(w.c.xen.mem, d.vcpus[0]!.cpu.cr3, anyVa(w));
      if (l1 < 0) break;
      const args = g.put(0, [l1, 0, anyFrame(w, d) * PAGE_SIZE + pteFlags(w), 0]);
      g.call(NR.mmu_update, args, 1, 0, d.domid | ((d.domid + 1) << 16));
      break;
    }
    default: {
      const op = pick(rng, [XENMEM_increase_reservation, XENMEM_decrease_reservation]);
      g.put(64, [anyFrame(w, d)]);
      g.call(NR.memory_op, op, g.put(0, [DOM0_BUFFER_VA + 64, 1, 0, 0, d.domid]));
    }
  }
}

/** Domain 0 drops its mappings of `d`'s frames (as a toolstack does before destroying it). */
function unmapForeign(w: World, d: Domain): void {
  const g = dom0Caller(w.c);
  for (const [va, owner] of w.foreign) {
    if (owner !== d) continue;
    expect(g.call(NR_update_va_mapping_otherdomain, va, 0, 0, UVMF_INVLPG, d.domid)).toBe(0);
    w.foreign.delete(va);
  }
}

describe('composition: random hypercall sequences', () => {
  it(`${SEEDS} seeds × ${STEPS} steps: every invariant holds after each hypercall`, () => {
    let checked = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const w = world(seed);
      for (let step = 0; step < STEPS; step++) {
        if (w.rng.below(4) === 0) dom0Step(w);
        else guestStep(w, pick(w.rng, w.guests));
        if (w.rng.below(STEPS / 2) === 0) {
          // A domain dies with its mappings live; another takes its place.
          const i = w.rng.below(2);
          unmapForeign(w, w.guests[i]!);
          w.c.toolstack.destroy(w.guests[i]!);
          w.c.check(`destroying d${w.guests[i]!.domid}`);
          w.maps.splice(0, w.maps.length, ...w.maps.filter((m) => m.d !== w.guests[i]));
          w.guests[i] = w.create(`c${step}`);
        }
        expect(w.c.violation, `seed ${seed}, step ${step}`).toBeNull();
      }
      for (const d of w.guests) {
        unmapForeign(w, d);
        w.c.toolstack.destroy(d);
        w.c.check(`destroying d${d.domid}`);
      }
      expect(w.c.violation, `seed ${seed}, teardown`).toBeNull();
      const held = [...w.c.xen.heap.owner].filter((o) => o > 0);
      expect(held, `seed ${seed}: every frame of a destroyed domain is back`).toEqual([]);
      checked += w.c.checked;
    }
    expect(checked).toBeGreaterThan(SEEDS * STEPS * 0.7);
  });
});
