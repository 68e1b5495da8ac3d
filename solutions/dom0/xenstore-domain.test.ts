import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PhysMemory } from '../../sim/host.ts';
import { START_INFO } from '../xen/abi.ts';
import { ECS } from '../xen/event-channel.ts';
import { runDomains } from '../xen/schedule.ts';
import { minimalKernel } from '../xen/testing/boot.ts';
import { Xen } from '../xen/xen.ts';
import { Toolstack } from './toolstack.ts';
import { XsClient } from './xenstored/client.ts';

const spin = minimalKernel([0xeb, 0xfe]);

describe('the toolstack and XenStore (book §8.1, §8.3)', () => {
  it('gives a new domain its store channel, its entries and an introduction', () => {
    const xen = new Xen(new PhysMemory(64 << 20));
    const ts = new Toolstack(xen);
    ts.xs.watch('@introduceDomain', 'in');
    ts.xs.takeEvents();
    const d = ts.create(spin, { name: 'spin', memoryMiB: 16, cmdline: '' });
    const si = d.p2m[d.startInfoPfn]! * PAGE_SIZE;
    const port = xen.mem.read32(si + START_INFO.store_evtchn);
    const chn = d.evtchn[port]!;
    expect(chn.state, 'store_evtchn is bound to domain 0').toBe(ECS.Interdomain);
    expect(chn.remoteDomid).toBe(0);
    const home = `/local/domain/${d.domid}`;
    expect(ts.xs.read(`${home}/name`)).toBe('spin');
    expect(ts.xs.read(`${home}/domid`)).toBe(String(d.domid));
    expect(ts.xs.read(`${home}/memory/target`)).toBe(String(16 * 1024));
    expect(ts.xs.read(`${home}/store/port`)).toBe(String(port));
    expect(ts.xs.read(`${home}/store/ring-ref`)).toBe(
      String(xen.mem.read32(si + START_INFO.store_mfn)),
    );
    expect(ts.xs.getPerms(home)).toEqual(['n0', `r${d.domid}`]);
    expect(ts.xs.getPerms(`${home}/device`)).toEqual([`n${d.domid}`]);
    expect(ts.xenstored.introduced(d.domid)).toBe(true);
    expect(ts.xs.takeEvents()).toEqual([{ path: '@introduceDomain', token: 'in' }]);
    // The guest may read its home but not change what the toolstack decided.
    const guest = new XsClient(ts.xenstored, d.domid);
    expect(guest.read('name')).toBe('spin');
    expect(() => guest.write('memory/target', '1')).toThrow(/EACCES/);
    guest.write('data/note', 'mine');
  });

  it('releases a destroyed domain and removes its entries', () => {
    const xen = new Xen(new PhysMemory(64 << 20));
    const ts = new Toolstack(xen);
    const d = ts.create(spin, { name: 'spin', memoryMiB: 16, cmdline: '' });
    ts.xs.watch('@releaseDomain', 'out');
    ts.xs.takeEvents();
    ts.start(d);
    runDomains(xen, 1000);
    ts.destroy(d);
    runDomains(xen, 1000);
    expect(ts.xenstored.introduced(d.domid)).toBe(false);
    expect(ts.xs.tryRead(`/local/domain/${d.domid}/name`)).toBeUndefined();
    expect(ts.xs.takeEvents()).toEqual([{ path: '@releaseDomain', token: 'out' }]);
  });

  const GRUB = '/usr/lib/grub-xen/grub-i386-xen.bin';
  it.skipIf(!existsSync(GRUB))(
    'Debian’s GRUB i386-xen asks for its disks over its ring and hears ENOENT',
    () => {
      const xen = new Xen(new PhysMemory(40 << 20));
      const ts = new Toolstack(xen);
      const d = ts.create(new Uint8Array(readFileSync(GRUB)), {
        name: 'grub',
        memoryMiB: 32,
        cmdline: '',
      });
      const si = d.p2m[d.startInfoPfn]! * PAGE_SIZE;
      const ring = xen.mem.read32(si + START_INFO.store_mfn) * PAGE_SIZE;
      ts.start(d);
      runDomains(xen, 8_000_000);
      const bytes = (at: number, n: number) =>
        String.fromCharCode(...Array.from({ length: n }, (_, i) => xen.mem.read8(ring + at + i)));
      const word = (at: number) => xen.mem.read32(ring + at) >>> 0;
      // req: XS_DIRECTORY (1), len 11, "device/vbd\0" (a path relative to its home).
      expect([word(0), word(12), bytes(16, 11)]).toEqual([1, 11, 'device/vbd\0']);
      // rsp: XS_ERROR (16), len 7, "ENOENT\0"; GRUB took it (rsp_cons = rsp_prod).
      expect([word(1024), word(1024 + 12), bytes(1024 + 16, 7)]).toEqual([16, 7, 'ENOENT\0']);
      expect(word(2056)).toBe(word(2060));
      expect(xen.panicReport).toBe(null);
    },
  );
});
