// xenfb and xenkbd against a front end played from TypeScript in a (never run) guest's memory:
// what a well-formed framebuffer shows, and every malformed thing a guest can publish — frames
// it does not own, impossible geometry, rectangles outside the screen, a runaway ring — refused
// or clipped without an exception.
// xenlab: file from 10
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PhysMemory } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { buildGuest } from '../guests/index.ts';
import { GTF_permit_access } from '../xen/abi.ts';
import type { Domain } from '../xen/domain.ts';
import { Xen } from '../xen/xen.ts';
import {
  XENFB_OUT_RING_LEN,
  XENFB_OUT_RING_OFFS,
  XENFB_PAGE,
  XENFB_TYPE_UPDATE,
  XENFB_UPDATE,
} from './fbif.ts';
import { mapGrantTable } from './grant-table-setup.ts';
import {
  XENKBD_IN_RING_LEN,
  XENKBD_IN_RING_OFFS,
  XENKBD_KEY,
  XENKBD_PAGE,
  XENKBD_POSITION,
  XENKBD_TYPE_KEY,
  XENKBD_TYPE_POS,
} from './kbdif.ts';
import { Toolstack } from './toolstack.ts';
import { Xenfb } from './xenfb.ts';
import { type KbdEvent, XENKBD_QUEUE_LIMIT, Xenkbd } from './xenkbd.ts';

const GUESTS = `${import.meta.dirname}/../guests`;
const [W, H] = [40, 30];
const LINE = W * 4 + 16; // rows padded: the back end must step by line_length, not width

function setup() {
  const xen = new Xen(new PhysMemory(48 << 20));
  const ts = new Toolstack(xen);
  const image = buildGuest('hello.asm', asmSourcesUnder(GUESTS));
  const d = ts.create(image, { name: 'front', memoryMiB: 8, cmdline: '' });
  const other = ts.create(image, { name: 'other', memoryMiB: 8, cmdline: '' });
  const mem = xen.mem;
  let nextPfn = d.p2m.length - 64;
  const frame = (): number => d.p2m[nextPfn++]!;
  // The front end's pages: shared page, one directory page, the framebuffer's pages.
  const shared = frame();
  const pd = frame();
  const pages = Array.from({ length: Math.ceil((LINE * H) / PAGE_SIZE) }, frame);
  const page = shared * PAGE_SIZE;
  mem.write32(page + XENFB_PAGE.width, W);
  mem.write32(page + XENFB_PAGE.height, H);
  mem.write32(page + XENFB_PAGE.line_length, LINE);
  mem.write32(page + XENFB_PAGE.mem_length, pages.length * PAGE_SIZE);
  mem.write8(page + XENFB_PAGE.depth, 32);
  mem.write32(page + XENFB_PAGE.pd, pd);
  pages.forEach((mfn, i) => {
    mem.write32(pd * PAGE_SIZE + i * 4, mfn);
  });
  // Every pixel of the guest's framebuffer: a value naming its place.
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = y * LINE + x * 4;
      mem.write32(pages[o >>> 12]! * PAGE_SIZE + (o & 4095), (y << 8) | x | 0x10000);
    }
  }
  const port = () => ts.evtchn.allocUnbound(d.domid, 0);
  return { xen, ts, d, other, mem, page, shared, pd, pages, port };
}

type Setup = ReturnType<typeof setup>;

/** The front end puts update events on the out ring (raw, unchecked) and moves out_prod. */
function update(s: Setup, ...rects: [number, number, number, number][]): void {
  let prod = s.mem.read32(s.page + XENFB_PAGE.out_prod);
  for (const [x, y, w, h] of rects) {
    const ev = s.page + XENFB_OUT_RING_OFFS + (prod % XENFB_OUT_RING_LEN) * 40;
    s.mem.write8(ev, XENFB_TYPE_UPDATE);
    s.mem.write32(ev + XENFB_UPDATE.x, x >>> 0);
    s.mem.write32(ev + XENFB_UPDATE.y, y >>> 0);
    s.mem.write32(ev + XENFB_UPDATE.width, w >>> 0);
    s.mem.write32(ev + XENFB_UPDATE.height, h >>> 0);
    prod++;
  }
  s.mem.write32(s.page + XENFB_PAGE.out_prod, prod);
}

function connected(s: Setup): Xenfb {
  const fb = new Xenfb(s.xen, s.d.domid);
  expect(fb.connect({ pageRef: s.shared, eventChannel: s.port() })).toBeNull();
  return fb;
}

/** The screen's non-zero pixels as [x, y] pairs, each checked to hold the guest's value. */
function painted(fb: Xenfb): [number, number][] {
  const out: [number, number][] = [];
  fb.screen.forEach((v, i) => {
    if (v === 0) return;
    const [x, y] = [i % W, Math.floor(i / W)];
    expect(v).toBe((y << 8) | x | 0x10000);
    out.push([x, y]);
  });
  return out;
}

const rect = (x0: number, y0: number, x1: number, y1: number): [number, number][] => {
  const out: [number, number][] = [];
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out.push([x, y]);
  return out;
};

describe('xenfb: connecting', () => {
  it('maps a well-formed framebuffer through its page directory', () => {
    const s = setup();
    const fb = connected(s);
    expect([fb.fb!.width, fb.fb!.height, fb.fb!.lineLength]).toEqual([W, H, LINE]);
    expect(fb.fb!.pages).toEqual(s.pages.map((m) => m * PAGE_SIZE));
  });

  // Each corruption returns the page-ref the front end publishes.
  const refusals: [string, (s: Setup) => number | undefined, RegExp][] = [
    [
      'a shared page of another domain',
      (s) => s.other.p2m[7],
      /page-ref: frame \d+ does not belong/,
    ],
    [
      'a directory frame of another domain',
      (s) => void s.mem.write32(s.page + XENFB_PAGE.pd, s.other.p2m[5]!),
      /page directory: frame/,
    ],
    [
      'a framebuffer frame of Xen',
      (s) => void s.mem.write32(s.pd * PAGE_SIZE + 4, 0),
      /framebuffer: frame 0 does not belong/,
    ],
    [
      'a framebuffer frame past the end of memory',
      (s) => void s.mem.write32(s.pd * PAGE_SIZE, 0xfffff),
      /framebuffer: frame 1048575/,
    ],
    ['depth 16', (s) => void s.mem.write8(s.page + XENFB_PAGE.depth, 16), /depth 16/],
    ['width 0', (s) => void s.mem.write32(s.page + XENFB_PAGE.width, 0), /each side/],
    [
      'a negative height',
      (s) => void s.mem.write32(s.page + XENFB_PAGE.height, -3 >>> 0),
      /each side/,
    ],
    [
      'rows shorter than the width',
      (s) => void s.mem.write32(s.page + XENFB_PAGE.line_length, W * 4 - 4),
      /line_length/,
    ],
    [
      'mem_length too short for the rows',
      (s) => void s.mem.write32(s.page + XENFB_PAGE.mem_length, LINE * H - 1),
      /mem_length/,
    ],
  ];
  for (const [what, corrupt, why] of refusals) {
    it(`refuses ${what}, and can connect once the front end is fixed`, () => {
      const s = setup();
      const fb = new Xenfb(s.xen, s.d.domid);
      const port = s.port();
      const pageRef = corrupt(s) ?? s.shared;
      expect(fb.connect({ pageRef, eventChannel: port })).toMatch(why);
      expect(fb.fb).toBeNull();
      // Nothing was left half done: the front end's port is still free to bind.
      expect(s.ts.evtchn.bindInterdomain(s.d.domid, port, () => {})).toBeGreaterThan(0);
    });
  }
});

describe('xenfb: update events', () => {
  it('copies exactly the rectangle reported, row by row at line_length', () => {
    const s = setup();
    const fb = connected(s);
    update(s, [3, 2, 5, 4]);
    fb.interrupt();
    expect(painted(fb)).toEqual(rect(3, 2, 8, 6));
    expect([fb.updates, fb.pixelsCopied]).toEqual([1, 20]);
    expect(s.mem.read32(s.page + XENFB_PAGE.out_cons)).toBe(1);
  });

  it('clips rectangles that leave the framebuffer on any side', () => {
    const s = setup();
    const fb = connected(s);
    update(s, [-2, -3, 4, 5], [W - 2, H - 1, 10, 10]);
    fb.interrupt();
    expect(painted(fb)).toEqual([...rect(0, 0, 2, 2), ...rect(W - 2, H - 1, W, H)]);
    expect(fb.pixelsCopied).toBe(4 + 2);
  });

  it('copies nothing for rectangles wholly outside, empty or of negative size', () => {
    const s = setup();
    const fb = connected(s);
    update(
      s,
      [W, 0, 5, 5],
      [0, H, 5, 5],
      [-10, -10, 5, 5],
      [2, 2, -5, 3],
      [2, 2, 0, 0],
      [0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff],
      [-0x80000000, -0x80000000, 0x7fffffff, 1],
    );
    fb.interrupt();
    expect(fb.updates).toBe(7);
    expect(painted(fb)).toEqual([]);
  });

  it('ignores unknown events and goes on; a runaway out_prod drops the ring, never throws', () => {
    const s = setup();
    const fb = connected(s);
    update(s, [0, 0, 1, 1]);
    s.mem.write8(s.page + XENFB_OUT_RING_OFFS, 9); // the first event's type, now unknown
    update(s, [1, 0, 1, 1]);
    fb.interrupt();
    expect(painted(fb)).toEqual([[1, 0]]);
    expect(fb.log).toEqual(['out event 0: unknown type 9, ignored']);
    s.mem.write32(s.page + XENFB_PAGE.out_prod, 2 + XENFB_OUT_RING_LEN + 1);
    fb.interrupt();
    expect(fb.log[1]).toMatch(/more than a ring/);
    expect(s.mem.read32(s.page + XENFB_PAGE.out_cons)).toBe(2 + XENFB_OUT_RING_LEN + 1);
    expect(painted(fb)).toEqual([[1, 0]]);
  });
});

/** A keyboard front end: its page granted to domain 0 as ref 8. */
function keyboard(s: Setup): { kbd: Xenkbd; page: number; d: Domain } {
  const table = mapGrantTable(s.xen, s.d)[0]! * PAGE_SIZE;
  const mfn = s.d.p2m[s.d.p2m.length - 1]!;
  s.mem.write16(table + 8 * 8 + 2, 0);
  s.mem.write32(table + 8 * 8 + 4, mfn);
  s.mem.write16(table + 8 * 8, GTF_permit_access);
  const kbd = new Xenkbd(s.xen, s.d.domid);
  expect(kbd.connect({ pageGref: 8, eventChannel: s.port() }, () => 'unused')).toBeNull();
  return { kbd, page: mfn * PAGE_SIZE, d: s.d };
}

/** What the front end reads off the ring, consuming it. */
function take(s: Setup, page: number): string[] {
  const out: string[] = [];
  let cons = s.mem.read32(page + XENKBD_PAGE.in_cons);
  const prod = s.mem.read32(page + XENKBD_PAGE.in_prod);
  for (; cons !== prod; cons++) {
    const ev = page + XENKBD_IN_RING_OFFS + (cons % XENKBD_IN_RING_LEN) * 40;
    const type = s.mem.read8(ev);
    if (type === XENKBD_TYPE_KEY) {
      out.push(
        `key ${s.mem.read32(ev + XENKBD_KEY.keycode)} ${s.mem.read8(ev + XENKBD_KEY.pressed)}`,
      );
    } else if (type === XENKBD_TYPE_POS) {
      out.push(
        `pos ${s.mem.read32(ev + XENKBD_POSITION.abs_x)},${s.mem.read32(ev + XENKBD_POSITION.abs_y)}`,
      );
    } else out.push(`type ${type}`);
  }
  s.mem.write32(page + XENKBD_PAGE.in_cons, cons);
  return out;
}

const key = (keycode: number, pressed = true): KbdEvent => ({ type: 'key', keycode, pressed });

describe('xenkbd: events to the front end', () => {
  it('puts keys and positions on the ring in order, with their fields', () => {
    const s = setup();
    const { kbd, page } = keyboard(s);
    kbd.send(key(30));
    kbd.send({ type: 'position', x: 7, y: 9, dz: 0 });
    kbd.send(key(30, false));
    expect(take(s, page)).toEqual(['key 30 1', 'pos 7,9', 'key 30 0']);
  });

  it('keeps order across a full ring: the rest wait until the front end makes room', () => {
    const s = setup();
    const { kbd, page } = keyboard(s);
    const n = XENKBD_IN_RING_LEN + 10;
    for (let i = 0; i < n; i++) kbd.send(key(100 + i));
    expect(kbd.queue.length).toBe(10);
    const first = take(s, page);
    kbd.flush(); // the front end's notification
    const rest = take(s, page);
    expect([...first, ...rest]).toEqual(Array.from({ length: n }, (_, i) => `key ${100 + i} 1`));
  });

  it('drops (and counts) events past the queue, and survives a bogus in_cons', () => {
    const s = setup();
    const { kbd, page } = keyboard(s);
    s.mem.write32(page + XENKBD_PAGE.in_cons, 1000); // ahead of in_prod: the ring looks full
    for (let i = 0; i < XENKBD_QUEUE_LIMIT + 5; i++) kbd.send(key(1));
    expect(s.mem.read32(page + XENKBD_PAGE.in_prod)).toBe(0);
    expect([kbd.queue.length, kbd.dropped]).toEqual([XENKBD_QUEUE_LIMIT, 5]);
  });

  it('refuses a page the front end did not grant, or a frame it does not own', () => {
    const s = setup();
    const kbd = new Xenkbd(s.xen, s.d.domid);
    expect(kbd.connect({ pageGref: 9, eventChannel: s.port() }, () => 'unused')).toMatch(
      /page-gref 9: GNTST -\d/,
    );
    expect(
      kbd.connect({ pageRef: 0, eventChannel: s.port() }, () => 'frame 0 does not belong'),
    ).toMatch(/page-ref: frame 0/);
    expect(kbd.connected).toBe(false);
  });
});
