// The CD drive's XenStore entries as a front end reads them, a writable image refused, and a
// media change reaching the back end's params.
// xenlab: file from 10
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { buildGuest } from '../guests/index.ts';
import { Xen } from '../xen/xen.ts';
import { cdromAttach, cdromChangeMedia } from './cdrom.ts';
import { MemoryDisk } from './disk.ts';
import { Toolstack } from './toolstack.ts';
import { backendPath, frontendPath } from './xenbus.ts';

function setup() {
  const ts = new Toolstack(new Xen(new PhysMemory(32 << 20)));
  const image = buildGuest('hello.asm', asmSourcesUnder(`${import.meta.dirname}/../guests`));
  const d = ts.create(image, { name: 'cd', memoryMiB: 8, cmdline: '' });
  return { ts, d };
}

describe('a virtual CD-ROM', () => {
  it('is a vbd whose entries say cdrom, read-only, removable', () => {
    const { ts, d } = setup();
    const id = cdromAttach(ts.xs, ts.vbds, d, new MemoryDisk(64, true), 'xvdc', '/srv/debian.iso');
    if (typeof id === 'string') throw new Error(id);
    const front = (k: string) => ts.xs.read(`${frontendPath(id)}/${k}`);
    const back = (k: string) => ts.xs.read(`${backendPath(id)}/${k}`);
    expect([front('device-type'), front('virtual-device')]).toEqual(['cdrom', String(51744)]);
    expect([back('device-type'), back('mode'), back('removable'), back('params')]).toEqual([
      'cdrom',
      'r',
      '1',
      '/srv/debian.iso',
    ]);
    cdromChangeMedia(ts.xs, id, '');
    expect(back('params')).toBe('');
  });

  it('refuses a writable image, writing nothing', () => {
    const { ts, d } = setup();
    expect(cdromAttach(ts.xs, ts.vbds, d, new MemoryDisk(64), 'xvdc')).toMatch(/read-only/);
    expect(ts.xs.tryRead(`/local/domain/${d.domid}/device/vbd/51744/state`)).toBeUndefined();
  });
});
