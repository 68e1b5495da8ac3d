// The vfb and vkbd XenBus drivers: a front end that publishes something unusable gets the reason
// in the back end's `error` node and no device; a good one gets request-update and a screen.
// xenlab: file from 10
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PhysMemory } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { buildGuest } from '../guests/index.ts';
import { Xen } from '../xen/xen.ts';
import { XENFB_PAGE } from './fbif.ts';
import { Toolstack } from './toolstack.ts';
import { display, displayAdd } from './vfb.ts';
import { XenbusState } from './xenbus.ts';
import { XsClient } from './xenstored/client.ts';

function setup() {
  const xen = new Xen(new PhysMemory(32 << 20));
  const ts = new Toolstack(xen);
  const image = buildGuest('hello.asm', asmSourcesUnder(`${import.meta.dirname}/../guests`));
  const d = ts.create(image, { name: 'fb', memoryMiB: 8, cmdline: '' });
  const shown = display(xen, ts.xenstored);
  displayAdd(ts.xs, d.domid);
  shown.vfb.poll();
  shown.vkbd.poll();
  const guest = new XsClient(ts.xenstored, d.domid);
  const front = (type: string, entries: [string, string][]) => {
    for (const [k, v] of entries) guest.write(`device/${type}/0/${k}`, v);
    guest.write(`device/${type}/0/state`, String(XenbusState.Initialised));
    shown.vfb.poll();
    shown.vkbd.poll();
  };
  const back = (type: string, key: string) =>
    ts.xs.tryRead(`/local/domain/0/backend/${type}/${d.domid}/0/${key}`);
  return { xen, ts, d, shown, front, back };
}

describe('vfb and vkbd as XenBus devices', () => {
  it('a page-ref that is no number: the reason in error, Closing, no screen', () => {
    const { d, shown, front, back } = setup();
    front('vfb', [
      ['page-ref', '12abc'],
      ['event-channel', '0'],
    ]);
    expect(back('vfb', 'error')).toBe('reading page-ref: "12abc" is not a number');
    expect(back('vfb', 'state')).toBe(String(XenbusState.Closing));
    expect(shown.screens.has(d.domid)).toBe(false);
  });

  it('a keyboard with neither page-gref nor page-ref is refused, saying so', () => {
    const { shown, d, front, back } = setup();
    expect(back('vkbd', 'feature-abs-pointer')).toBe('1');
    front('vkbd', [['event-channel', '3']]);
    expect(back('vkbd', 'error')).toMatch(/neither page-gref nor page-ref/);
    expect(shown.keyboards.has(d.domid)).toBe(false);
  });

  it('a good framebuffer connects, and is asked for updates when it offers them', () => {
    const { ts, d, shown, front, back } = setup();
    const frames = d.p2m.slice(-8);
    const page = frames[0]! * PAGE_SIZE;
    const mem = ts.xen.mem;
    mem.write32(page + XENFB_PAGE.width, 8);
    mem.write32(page + XENFB_PAGE.height, 8);
    mem.write32(page + XENFB_PAGE.line_length, 32);
    mem.write32(page + XENFB_PAGE.mem_length, PAGE_SIZE);
    mem.write8(page + XENFB_PAGE.depth, 32);
    mem.write32(page + XENFB_PAGE.pd, frames[1]!);
    mem.write32(frames[1]! * PAGE_SIZE, frames[2]!);
    const port = ts.evtchn.allocUnbound(d.domid, 0);
    front('vfb', [
      ['page-ref', String(frames[0])],
      ['event-channel', String(port)],
      ['feature-update', '1'],
    ]);
    expect(back('vfb', 'error')).toBeUndefined();
    expect(back('vfb', 'state')).toBe(String(XenbusState.Connected));
    expect(back('vfb', 'request-update')).toBe('1');
    expect(shown.screens.get(d.domid)?.fb?.pages).toEqual([frames[2]! * PAGE_SIZE]);
  });
});
