// Your working copy for chapter 10, generated from solutions/dom0/xenfb.ts by npx xenlab stage.
// The virtual framebuffer's back end in domain 0: the front end's framebuffer mapped through its
// page directory, and its update events copied to the screen: book §10.2; Xen public/io/fbif.h,
// QEMU hw/display/xenfb.c (xenfb_map_fb, xenfb_handle_events), docs/xen-abi.md §12.3.
//
// The front end names machine frames, not grants: `page-ref` is the shared page's frame, pd[]
// the frames of the directory pages, and those list the framebuffer's frames. The back end maps
// them as a device model does (foreign-memory.ts), so a frame the guest does not own refuses
// the connection. The geometry is read once, at connect, and checked: everything after that
// (every update rectangle) is measured against it, never against the shared page again.

import { NotImplemented } from '../exercise.ts';
import type { PhysMemory } from '../../../../sim/host.ts';
import type { Xen } from '../xen/xen.ts';
import { type EvtchnDevice, evtchnDevice } from './evtchn.ts';
import {
  XENFB_OUT_EVENT_SIZE,
  XENFB_OUT_RING_LEN,
  XENFB_OUT_RING_OFFS,
  XENFB_PAGE,
  XENFB_PD_FRAMES,
  XENFB_PD_USABLE,
  XENFB_TYPE_UPDATE,
  XENFB_UPDATE,
} from './fbif.ts';
import { foreignMap } from './foreign-memory.ts';

/** The only pixel format served: 32 bits, 0x00RRGGBB little-endian (Linux's xenfb default). */
export const XENFB_DEPTH = 32;
/** The largest side accepted, in pixels. */
export const XENFB_MAX_SIDE = 4096;

/** A framebuffer as the back end mapped it at connect. */
export interface Framebuffer {
  readonly width: number;
  readonly height: number;
  /** Bytes from one row to the next. */
  readonly lineLength: number;
  /** Machine address of each of its pages, in order. */
  readonly pages: readonly number[];
}

/** What the front end published in XenStore. */
export interface XenfbConnection {
  /** The shared page's machine frame. */
  pageRef: number;
  eventChannel: number;
}

/** A signed 32-bit field. */
const s32 = (mem: PhysMemory, address: number): number => mem.read32(address) | 0;

/** The machine address of framebuffer byte `offset`. */
function fbAddress(fb: Framebuffer, offset: number): number {
  return fb.pages[offset >>> 12]! + (offset & 4095);
}

/**
 * One XENFB_TYPE_UPDATE: copies rectangle (x, y, width, height) of the guest's framebuffer into
 * `screen` (width × height pixels, row after row), clipped to the framebuffer first, as QEMU
 * does: whatever part lies outside it is ignored, and a rectangle with no part inside (or a
 * negative size) copies nothing. Returns the number of pixels copied.
 */
export function xenfbUpdate(
  mem: PhysMemory,
  fb: Framebuffer,
  screen: Uint32Array,
  x: number,
  y: number,
  width: number,
  height: number,
): number {
  throw new NotImplemented('10-xenfb-update', '10.2');
}

/** The geometry in the shared page at `page`, checked; or why it is unusable. */
function readGeometry(mem: PhysMemory, page: number) {
  const width = s32(mem, page + XENFB_PAGE.width);
  const height = s32(mem, page + XENFB_PAGE.height);
  const lineLength = mem.read32(page + XENFB_PAGE.line_length) >>> 0;
  const memLength = mem.read32(page + XENFB_PAGE.mem_length) >>> 0;
  const depth = mem.read8(page + XENFB_PAGE.depth);
  if (depth !== XENFB_DEPTH) return `depth ${depth}: only ${XENFB_DEPTH} bits per pixel`;
  if (width < 1 || height < 1 || width > XENFB_MAX_SIDE || height > XENFB_MAX_SIDE) {
    return `${width}×${height}: each side must be 1 to ${XENFB_MAX_SIDE} pixels`;
  }
  if (lineLength < width * 4 || lineLength % 4 !== 0) {
    return `line_length ${lineLength}: a row of ${width} pixels needs ${width * 4} bytes, 4-aligned`;
  }
  if (memLength < lineLength * height) {
    return `mem_length ${memLength}: ${height} rows of ${lineLength} bytes need ${lineLength * height}`;
  }
  const pageCount = Math.ceil((lineLength * height) / 4096);
  if (Math.ceil(pageCount / XENFB_PD_FRAMES) > XENFB_PD_USABLE) {
    return `mem_length ${memLength}: more than the page directory can name`;
  }
  return { width, height, lineLength, pageCount };
}

/** xenfb_map_fb: the framebuffer's pages through the directory, or why not. */
function mapFramebuffer(xen: Xen, domid: number, page: number): Framebuffer | string {
  const geometry = readGeometry(xen.mem, page);
  if (typeof geometry === 'string') return geometry;
  const { pageCount } = geometry;
  const pdCount = Math.ceil(pageCount / XENFB_PD_FRAMES);
  const pdFrames = Array.from({ length: pdCount }, (_, i) =>
    xen.mem.read32(page + XENFB_PAGE.pd + i * 4),
  );
  const directory = foreignMap(xen, domid, pdFrames);
  if (typeof directory === 'string') return `page directory: ${directory}`;
  const frames = Array.from({ length: pageCount }, (_, i) =>
    xen.mem.read32(directory[Math.floor(i / XENFB_PD_FRAMES)]! + (i % XENFB_PD_FRAMES) * 4),
  );
  const pages = foreignMap(xen, domid, frames);
  if (typeof pages === 'string') return `framebuffer: ${pages}`;
  return { width: geometry.width, height: geometry.height, lineLength: geometry.lineLength, pages };
}

/** One guest's framebuffer as domain 0 shows it. */
export class Xenfb {
  readonly domid: number;
  /** The framebuffer while connected. */
  fb: Framebuffer | null = null;
  /** The screen: 0x00RRGGBB per pixel, row after row, as the updates left it. */
  screen = new Uint32Array(0);
  /** Whether the front end reports what it draws (feature-update); if not, the screen is read whole. */
  updatesReported = true;
  /** Update events handled, pixels they copied. */
  updates = 0;
  pixelsCopied = 0;
  /** What the front end did wrong, for the logs and the tests. */
  readonly log: string[] = [];
  private readonly xen: Xen;
  private readonly evtchn: EvtchnDevice;
  private page = 0;
  private port = -1;

  constructor(xen: Xen, domid: number) {
    this.xen = xen;
    this.domid = domid;
    this.evtchn = evtchnDevice(xen);
  }

  /** Maps the shared page and the framebuffer, binds the channel. Null, or why not. */
  connect(c: XenfbConnection): string | null {
    const shared = foreignMap(this.xen, this.domid, [c.pageRef]);
    if (typeof shared === 'string') return `page-ref: ${shared}`;
    const fb = mapFramebuffer(this.xen, this.domid, shared[0]!);
    if (typeof fb === 'string') return fb;
    try {
      this.port = this.evtchn.bindInterdomain(this.domid, c.eventChannel, () => this.interrupt());
    } catch (e) {
      return `event-channel ${c.eventChannel}: ${(e as Error).message}`;
    }
    this.page = shared[0]!;
    this.fb = fb;
    this.screen = new Uint32Array(fb.width * fb.height);
    return null;
  }

  disconnect(): void {
    if (this.fb === null) return;
    this.fb = null;
    this.evtchn.unbind(this.port);
  }

  /** The screen as it is now: read whole first when the front end does not report updates. */
  read(): Uint32Array {
    if (this.fb !== null && !this.updatesReported) {
      xenfbUpdate(this.xen.mem, this.fb, this.screen, 0, 0, this.fb.width, this.fb.height);
    }
    return this.screen;
  }

  /** xenfb_handle_events: every out event the front end produced, then out_cons and a notify. */
  interrupt(): void {
    const fb = this.fb;
    if (fb === null) return;
    const mem = this.xen.mem;
    const prod = mem.read32(this.page + XENFB_PAGE.out_prod) >>> 0;
    let cons = mem.read32(this.page + XENFB_PAGE.out_cons) >>> 0;
    if ((prod - cons) >>> 0 > XENFB_OUT_RING_LEN) {
      this.log.push(
        `out_prod ${prod} is more than a ring (${XENFB_OUT_RING_LEN}) past out_cons ${cons}: events dropped`,
      );
      mem.write32(this.page + XENFB_PAGE.out_cons, prod);
      return;
    }
    for (; cons !== prod; cons = (cons + 1) >>> 0) {
      const event =
        this.page + XENFB_OUT_RING_OFFS + (cons % XENFB_OUT_RING_LEN) * XENFB_OUT_EVENT_SIZE;
      const type = mem.read8(event);
      if (type !== XENFB_TYPE_UPDATE) {
        this.log.push(`out event ${cons}: unknown type ${type}, ignored`);
        continue;
      }
      this.updates++;
      this.pixelsCopied += xenfbUpdate(
        mem,
        fb,
        this.screen,
        s32(mem, event + XENFB_UPDATE.x),
        s32(mem, event + XENFB_UPDATE.y),
        s32(mem, event + XENFB_UPDATE.width),
        s32(mem, event + XENFB_UPDATE.height),
      );
    }
    mem.write32(this.page + XENFB_PAGE.out_cons, cons);
    this.evtchn.notify(this.port);
  }
}
