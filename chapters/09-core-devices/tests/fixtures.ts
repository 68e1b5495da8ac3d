// Chapter 09's test fixtures: a Xen with a toolstack and guests that do not run, each with a
// grant table and a vbd whose disk holds seeded bytes, and a block front end written in the test
// (chapters/testing/blkfront.ts) acting for each guest through the tree's own Xen.

import { PhysMemory } from '../../../sim/host.ts';
import { type BlkGuest, TestBlkfront } from '../../testing/blkfront.ts';
import { minimalKernel } from '../../testing/elf.ts';
import { testRng } from '../../testing/index.ts';
import { MemoryDisk } from '../src/dom0/disk.ts';
import { mapGrantTable } from '../src/dom0/grant-table-setup.ts';
import { Toolstack } from '../src/dom0/toolstack.ts';
import { XsClient } from '../src/dom0/xenstored/client.ts';
import { DOMID_SELF } from '../src/xen/abi.ts';
import type { Domain } from '../src/xen/domain.ts';
import { evtchnAllocUnbound, evtchnSend } from '../src/xen/event-channel.ts';
import { runDomains } from '../src/xen/schedule.ts';
import { Xen } from '../src/xen/xen.ts';

export const SECTORS = 256;

/** A guest as a TestBlkfront drives it: through the tree's hypercall workers and XenStore. */
function blkGuest(xen: Xen, ts: Toolstack, d: Domain, grantFrames: number[]): BlkGuest {
  const xs = new XsClient(ts.xenstored, d.domid);
  return {
    mem: xen.mem,
    domid: d.domid,
    grantFrames,
    pages: d.p2m.slice(-48),
    read: (path) => xs.tryRead(path),
    write: (path, value) => xs.write(path, value),
    allocPort: () => evtchnAllocUnbound(xen, d, DOMID_SELF, 0),
    send: (port) => {
      evtchnSend(xen, d, port);
    },
    dom0Turn: () => {
      runDomains(xen, 1);
    },
  };
}

/** `n` guests, each with a vbd xvda over a seeded disk of SECTORS sectors; `model` is a copy. */
export function blkWorld(label: string, n = 1) {
  const rng = testRng(label);
  const xen = new Xen(new PhysMemory(96 << 20));
  const ts = new Toolstack(xen);
  const guests = Array.from({ length: n }, (_, i) => {
    const d = ts.create(minimalKernel(), { name: `front${i}`, memoryMiB: 16, cmdline: '' });
    const grantFrames = mapGrantTable(xen, d);
    const disk = new MemoryDisk(SECTORS);
    for (let b = 0; b < disk.bytes.length; b++) disk.bytes[b] = rng.below(256);
    const id = ts.attachDisk(d, disk);
    const front = new TestBlkfront(
      blkGuest(xen, ts, d, grantFrames),
      `/local/domain/${d.domid}/device/vbd/${id.devid}`,
    );
    return { d, disk, id, front, model: disk.bytes.slice() };
  });
  return { xen, ts, guests, rng };
}

/** Whether two byte arrays are equal (without a diff of thousands of bytes). */
export const same = (a: Uint8Array, b: Uint8Array): boolean =>
  Buffer.from(a).equals(Buffer.from(b));
