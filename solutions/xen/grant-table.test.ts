// xenlab: file from 04
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, Prng } from '../../sim/host.ts';
import { mapGrantTable } from '../dom0/grant-table-setup.ts';
import {
  __HYPERVISOR_grant_table_op,
  DOMID_SELF,
  GNTST_bad_domain,
  GNTST_bad_page,
  GNTST_bad_virt_addr,
  GNTST_general_error,
  GNTST_okay,
  GNTST_permission_denied,
  GTF_accept_transfer,
  GTF_transfer_committed,
  GTF_transfer_completed,
} from './abi.ts';
import { EFAULT, EINVAL, ENOSYS, ESRCH } from './errno.ts';
import { gnttabTransfer } from './grant-copy.ts';
import { readSharedEntry, sharedEntryAddress } from './grant-table.ts';
import { OWNER_FREE } from './heap.ts';
import { bootTestDomain, minimalKernel } from './testing/boot.ts';

const OP = 0x20000; // a free, writable page of the bootstrap region
const LIST = 0x21000;
const u16 = (v: number) => [v & 0xff, (v >>> 8) & 0xff];
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

function world() {
  const t = bootTestDomain();
  const word = (va: number) => {
    const b = t.peek(va, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  };
  const status = (va: number) => (word(va) << 16) >> 16;
  /** grant_table_op(cmd, OP, count) with `bytes` at OP. */
  const op = (cmd: number, bytes: number[], count = 1) => {
    t.poke(OP, bytes);
    return t.hypercall(__HYPERVISOR_grant_table_op, [cmd, OP, count]) | 0;
  };
  return { ...t, word, status, op };
}

describe('grant_table_op', () => {
  it('answers -ENOSYS, -EINVAL and -EFAULT for calls that make no sense', () => {
    const t = world();
    for (const cmd of [3, 7, 9, 11, 42]) expect(t.op(cmd, [], 1)).toBe(-ENOSYS);
    expect(t.op(0, [], -1)).toBe(-EINVAL);
    expect(t.op(2, [], 2), 'setup_table takes exactly one').toBe(-EINVAL);
    expect(t.op(6, [], 0), 'query_size takes exactly one').toBe(-EINVAL);
    expect(
      t.hypercall(__HYPERVISOR_grant_table_op, [0, 0x40000000, 1]) | 0,
      'unmapped op array',
    ).toBe(-EFAULT);
    expect(
      t.hypercall(__HYPERVISOR_grant_table_op, [5, 0xf5800000, 1]) | 0,
      'op array in the hole',
    ).toBe(-EFAULT);
    expect(t.op(0, [], 0), 'an empty batch').toBe(0);
  });

  it('setup_table sets version 1 and lists the frames; query_size reports 4 of 32', () => {
    const t = world();
    expect(t.op(6, [...u16(DOMID_SELF), 0, 0, ...u32(0), ...u32(0), ...u32(0)])).toBe(0);
    expect([t.word(OP + 4), t.word(OP + 8), t.status(OP + 12)]).toEqual([4, 32, GNTST_okay]);
    expect(t.domain.grantTable!.version, 'query_size does not set a version').toBe(0);
    const setup = (frames: number, dom = DOMID_SELF, list = LIST) =>
      t.op(2, [...u16(dom), 0, 0, ...u32(frames), ...u32(0), ...u32(list)]);
    expect(setup(6)).toBe(0);
    expect(t.status(OP + 8)).toBe(GNTST_okay);
    const gt = t.domain.grantTable!;
    expect(gt.version).toBe(1);
    expect(gt.frames.length, 'grown to 6').toBe(6);
    expect([0, 1, 2, 3, 4, 5].map((i) => t.word(LIST + i * 4))).toEqual(gt.frames);
    for (const mfn of gt.frames) expect(t.xen.heap.owner[mfn]).toBe(t.domain.domid);
    expect(setup(33)).toBe(0);
    expect(t.status(OP + 8), 'more than 32 frames').toBe(GNTST_general_error);
    expect(setup(1, 99)).toBe(0);
    expect(t.status(OP + 8), 'no domain 99').toBe(GNTST_bad_domain);
    expect(setup(1, 0)).toBe(0);
    expect(t.status(OP + 8), 'a domU cannot set up dom0s table').toBe(GNTST_permission_denied);
    expect(setup(1, DOMID_SELF, 0x40000000)).toBe(0);
    expect(t.status(OP + 8), 'a frame list Xen cannot write').toBe(GNTST_bad_virt_addr);
  });

  it('set_version: 1 is accepted, 2 is -ENOSYS (version 1 only), others -EINVAL', () => {
    const t = world();
    expect(t.op(8, u32(2))).toBe(-ENOSYS);
    expect(t.word(OP), 'the version in force comes back').toBe(0);
    expect(t.op(8, u32(3))).toBe(-EINVAL);
    expect(t.op(8, u32(1))).toBe(0);
    expect(t.word(OP)).toBe(1);
    expect(t.op(10, [...u16(DOMID_SELF), 0, 0, ...u32(7)])).toBe(0);
    expect(t.word(OP + 4), 'get_version').toBe(1);
    expect(t.op(10, [...u16(77), 0, 0, ...u32(0)])).toBe(-ESRCH);
  });

  it('transfer moves a frame to the domain that offered an accept_transfer entry', () => {
    const t = world();
    const receiver = t.xen.createDomain(minimalKernel(), {
      name: 'rx',
      memoryMiB: 16,
      cmdline: '',
    }).domain;
    mapGrantTable(t.xen, receiver);
    const heap = t.xen.heap;
    const rgt = receiver.grantTable!;
    const entry = (ref: number, flags: number, domid: number) => {
      const ma = sharedEntryAddress(rgt, ref);
      heap.mem.write16(ma + 2, domid);
      heap.mem.write16(ma, flags);
    };
    entry(10, GTF_accept_transfer, t.domain.domid);
    const mfn = t.domain.p2m[100]!;
    heap.mem.write32(mfn * PAGE_SIZE, 0x1234abcd);
    expect(gnttabTransfer(t.xen, t.domain, { mfn, domid: receiver.domid, ref: 10 })).toBe(
      GNTST_okay,
    );
    expect(heap.owner[mfn]).toBe(receiver.domid);
    expect(heap.mem.read32(mfn * PAGE_SIZE), 'the contents travel with the frame').toBe(0x1234abcd);
    expect(readSharedEntry(heap, rgt, 10)).toEqual({
      flags: GTF_accept_transfer | GTF_transfer_committed | GTF_transfer_completed,
      domid: t.domain.domid,
      frame: mfn,
    });
    expect(
      gnttabTransfer(t.xen, t.domain, { mfn, domid: receiver.domid, ref: 10 }),
      "the frame is no longer the sender's",
    ).toBe(GNTST_bad_page);
    expect(
      gnttabTransfer(t.xen, t.domain, {
        mfn: t.domain.sharedInfoMfn,
        domid: receiver.domid,
        ref: 10,
      }),
      "shared_info is Xen's page, not the domain's to give",
    ).toBe(GNTST_bad_page);
    // A refused transfer still costs the sender its frame, as in Xen.
    const lost = t.domain.p2m[101]!;
    expect(gnttabTransfer(t.xen, t.domain, { mfn: lost, domid: receiver.domid, ref: 11 })).toBe(
      GNTST_general_error,
    );
    expect(heap.owner[lost]).toBe(OWNER_FREE);
    const gone = t.domain.p2m[102]!;
    expect(gnttabTransfer(t.xen, t.domain, { mfn: gone, domid: 99, ref: 10 })).toBe(
      GNTST_bad_domain,
    );
    expect(heap.owner[gone]).toBe(OWNER_FREE);
    // Destroying both returns every frame exactly once.
    t.xen.destroyDomain(t.domain);
    t.xen.destroyDomain(receiver);
    expect([...heap.owner].filter((o) => o >= 0)).toEqual([]);
  });

  it('survives random calls from two domains and gives every frame back', () => {
    const t = world();
    const other = t.xen.createDomain(minimalKernel(), {
      name: 'o',
      memoryMiB: 16,
      cmdline: '',
    }).domain;
    mapGrantTable(t.xen, t.domain);
    mapGrantTable(t.xen, other);
    const rng = new Prng(2024);
    const pick = <T>(xs: readonly T[]) => xs[rng.below(xs.length)]!;
    const frames = [...t.domain.p2m.slice(0, 8), ...other.p2m.slice(0, 8), 0, 1 << 20];
    const domids = [DOMID_SELF, t.domain.domid, other.domid, 0, 99];
    // Both tables get a few entries of every type, naming both domains.
    for (const d of [t.domain, other]) {
      for (let ref = 8; ref < 24; ref++) {
        const ma = sharedEntryAddress(d.grantTable!, ref);
        t.xen.mem.write16(ma + 2, pick(domids));
        t.xen.mem.write32(ma + 4, pick(frames));
        t.xen.mem.write16(ma, rng.below(8));
      }
    }
    for (let i = 0; i < 3000; i++) {
      const bytes = Array.from({ length: 64 }, () => rng.below(256));
      const word = (at: number, v: number) => bytes.splice(at, 4, ...u32(v));
      word(0, pick([0x200000, 0x201000, 0x40000000, OP]));
      word(8, rng.below(64));
      word(12, 6 + rng.below(20));
      bytes.splice(16, 2, ...u16(pick(domids)));
      const cmd = rng.below(12);
      const count = pick([0, 1, 1, 2, -1]);
      const rc = t.op(cmd, bytes, count);
      expect(rc <= 0, `cmd ${cmd} returned ${rc}`).toBe(true);
    }
    t.xen.destroyDomain(t.domain);
    t.xen.destroyDomain(other);
    expect([...t.xen.heap.owner].filter((o) => o >= 0)).toEqual([]);
  });
});
