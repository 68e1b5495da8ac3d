// 09-blkfront-connect: the guest's block front end introduces itself to its back end over
// XenBus — a granted ring page, an event channel for domain 0, the keys blkback reads, and the
// state that says they are there — and waits for the back end to connect (book §9.1.1).

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE, PhysMemory } from '../../../sim/host.ts';
import { buildFat } from '../../../tools/fat.ts';
import { guestSources, testRng } from '../../testing/index.ts';
import { MemoryDisk } from '../src/dom0/disk.ts';
import { Toolstack } from '../src/dom0/toolstack.ts';
import { XsClient } from '../src/dom0/xenstored/client.ts';
import { buildGuest } from '../src/guests/index.ts';
import { ECS } from '../src/xen/event-channel.ts';
import { sharedEntryAddress } from '../src/xen/grant-table.ts';
import { runDomains } from '../src/xen/schedule.ts';
import { Xen } from '../src/xen/xen.ts';

const FUEL = 5_000_000;
const GTF_permit_access = 1;
const GTF_readonly = 4;

/**
 * Boots the disk guest (or `main`) on a FAT disk of a seeded size, after a seeded number of other domains;
 * records every change under its front-end directory with the value it had then.
 */
function boot(label: string, main = 'disk.asm', cmdline = '') {
  const rng = testRng(label);
  const xen = new Xen(new PhysMemory(64 << 20));
  const ts = new Toolstack(xen);
  const image = buildGuest(main, guestSources(import.meta.url));
  for (let i = rng.below(3); i > 0; i--) {
    ts.create(image, { name: `other${i}`, memoryMiB: 4, cmdline: '' });
  }
  const d = ts.create(image, { name: 'disk', memoryMiB: 8, cmdline });
  const sectors = (1 + rng.below(8)) * 2048;
  const hello = new TextEncoder().encode(`seed ${rng.below(100000)}\r\n`);
  const disk = new MemoryDisk(
    buildFat([{ path: '/HELLO.TXT', data: hello }], { size: sectors * 512 }),
  );
  ts.attachDisk(d, disk);
  const fe = `/local/domain/${d.domid}/device/vbd/51712`;
  const be = ts.xs.read(`${fe}/backend`);
  const changes: [string, string][] = [];
  /** The back end's state when the front end's changed. */
  const backendStates: string[] = [];
  // Values read from the store itself: the watch fires while xenstored is still answering.
  const valueNow = (path: string) => {
    const node = ts.xenstored.store.get(path);
    return node === undefined ? '(removed)' : new TextDecoder().decode(node.value);
  };
  const watcher = new XsClient(ts.xenstored);
  watcher.watch(fe, 'front');
  watcher.takeEvents();
  const push = watcher.events.push.bind(watcher.events);
  watcher.events.push = (...events) => {
    for (const e of events) {
      const value = valueNow(e.path);
      const key = e.path.slice(fe.length + 1);
      changes.push([key, value]);
      if (key === 'state') backendStates.push(valueNow(`${be}/state`));
    }
    return push(...events);
  };
  ts.start(d);
  const run = runDomains(xen, FUEL);
  return {
    xen,
    ts,
    d,
    fe,
    sectors,
    changes,
    backendStates,
    run,
    lines: ts.console(d).split('\r\n'),
  };
}

describe('09-blkfront-connect', () => {
  test('the guest connects and learns its disk’s size from the back end', () => {
    const { lines, sectors, xen } = boot('09-blkfront-connect/size');
    expect(lines[0], `the guest's console:\n${lines.join('\n')}\n${xen.logLines.join('\n')}`).toBe(
      `disk: connected, ${sectors} sectors of 512 bytes`,
    );
  });

  test('it writes ring-ref, event-channel and protocol, then Initialised, then Connected', () => {
    const { changes, fe } = boot('09-blkfront-connect/order');
    const states = changes.filter(([key]) => key === 'state').map(([, v]) => v);
    // Initialised, Connected; then the guest lets go of its disk: Closing, Closed.
    expect(states, `the front end's states, in order (${fe}/state)`).toEqual(['3', '4', '5', '6']);
    const initialised = changes.findIndex(([key, v]) => key === 'state' && v === '3');
    const before = new Map(changes.slice(0, initialised));
    expect(before.get('protocol'), 'protocol, before Initialised: the 32-bit x86 ABI').toBe(
      'x86_32-abi',
    );
    expect(before.has('ring-ref'), 'ring-ref is written before Initialised').toBe(true);
    expect(before.has('event-channel'), 'event-channel is written before Initialised').toBe(true);
  });

  test('it becomes Connected only once the back end is', () => {
    const { backendStates, changes } = boot('09-blkfront-connect/wait');
    const states = changes.filter(([key]) => key === 'state').map(([, v]) => v);
    const connected = states.indexOf('4');
    expect(connected, 'the front end becomes Connected').toBeGreaterThanOrEqual(0);
    expect(
      backendStates[connected],
      'the back end’s state when the front end became Connected',
    ).toBe('4');
  });

  test('it waits at Initialised while the back end is away, and connects when it comes', () => {
    const xen = new Xen(new PhysMemory(48 << 20));
    const ts = new Toolstack(xen);
    const d = ts.create(buildGuest('disk.asm', guestSources(import.meta.url)), {
      name: 'disk',
      memoryMiB: 8,
      cmdline: '',
    });
    ts.attachDisk(d, new MemoryDisk(buildFat([], { size: 1 << 20 })));
    // Domain 0's services (the block back end among them) stop running for a while.
    const services = xen.dom0Services.splice(0);
    ts.start(d);
    runDomains(xen, 1_000_000);
    const fe = `/local/domain/${d.domid}/device/vbd/51712`;
    expect(ts.xs.read(`${fe}/state`), 'the front end is Initialised, waiting').toBe('3');
    expect(ts.console(d), 'nothing read before the back end is there').toBe('');
    xen.dom0Services.push(...services);
    runDomains(xen, FUEL);
    expect(ts.console(d).split('\r\n')[0]).toBe('disk: connected, 2048 sectors of 512 bytes');
  });

  test('ring-ref grants the ring page to domain 0; event-channel is a port domain 0 bound', () => {
    const { ts, xen, d, fe } = boot('09-blkfront-connect/grant', 'blkmix.asm', 'seed=7 ops=5');
    const ref = Number(ts.xs.read(`${fe}/ring-ref`));
    const gt = d.grantTable!;
    const entry = sharedEntryAddress(gt, ref);
    const flags = xen.mem.read16(entry);
    expect(flags & GTF_permit_access, `grant ${ref} permits access`).toBe(GTF_permit_access);
    expect(flags & GTF_readonly, 'read-write: the back end writes responses').toBe(0);
    expect(xen.mem.read16(entry + 2), 'granted to the back end’s domain').toBe(0);
    // The granted frame is the guest's ring: every request the guest made has its response.
    const ring = xen.mem.read32(entry + 4) * PAGE_SIZE;
    expect(xen.heap.owner[xen.mem.read32(entry + 4)], 'a frame of the guest').toBe(d.domid);
    expect(xen.mem.read32(ring), 'req_prod: blkmix’s five requests').toBe(5);
    expect(xen.mem.read32(ring + 8), 'rsp_prod').toBe(5);
    const port = Number(ts.xs.read(`${fe}/event-channel`));
    const chn = d.evtchn[port];
    expect(chn?.state, `port ${port} is bound to the back end`).toBe(ECS.Interdomain);
    expect(chn?.remoteDomid).toBe(0);
  });
});
