// Your working copy for chapter 10, generated from solutions/dom0/vfb.ts by npx xenlab stage.
// Domain 0's display: the framebuffer and keyboard back ends as XenBus drivers for vfb and vkbd
// devices, and the toolstack's entries for them: book §10.2; QEMU hw/display/xenfb.c
// (xenfb_connect, xenfb_frontend_changed), Linux drivers/video/fbdev/xen-fbfront.c and
// drivers/input/misc/xen-kbdfront.c (what the front ends write), Xen tools/libs/light/
// libxl_vkb.c and libxl_console.c (libxl__device_vfb_add), docs/xen-abi.md §12.3.
//
// The generic back end (xenbus.ts) finds each device; connect reads what the front end
// published and maps it. The framebuffer's front end names its shared page by frame
// (`page-ref`); the keyboard's grants it (`page-gref`, with `page-ref` the older fallback). A
// front end that reports its drawing (`feature-update`) is asked to (`request-update`).

import type { Xen } from '../xen/xen.ts';
import { foreignMap } from './foreign-memory.ts';
import { type BackendDevice, type BackendDriver, deviceAdd, XenbusBackend } from './xenbus.ts';
import { Xenfb } from './xenfb.ts';
import { Xenkbd } from './xenkbd.ts';
import { XsClient } from './xenstored/client.ts';
import type { Xenstored } from './xenstored/xenstored.ts';

/** A front end's key as a number: decimal digits only; undefined when absent. */
function frontNumber<C>(
  xs: XsClient,
  dev: BackendDevice<C>,
  key: string,
): number | string | undefined {
  const text = xs.tryRead(`${dev.frontend}/${key}`);
  if (text === undefined) return undefined;
  if (!/^\d{1,10}$/.test(text)) return `reading ${key}: "${text}" is not a number`;
  return Number(text);
}

/** A key the front end must have written. */
function required<C>(xs: XsClient, dev: BackendDevice<C>, key: string): number | string {
  return frontNumber(xs, dev, key) ?? `reading ${key}: the front end has not written it`;
}

/** The framebuffer back end's driver; `screens` gets each connected Xenfb by domain. */
export function vfbDriver(xen: Xen, screens: Map<number, Xenfb>): BackendDriver<Xenfb> {
  return {
    type: 'vfb',
    probe() {},
    connect(xs, dev) {
      const pageRef = required(xs, dev, 'page-ref');
      const eventChannel = required(xs, dev, 'event-channel');
      if (typeof pageRef === 'string') return pageRef;
      if (typeof eventChannel === 'string') return eventChannel;
      const fb = new Xenfb(xen, dev.id.domid);
      const why = fb.connect({ pageRef, eventChannel });
      if (why !== null) return why;
      fb.updatesReported = xs.tryRead(`${dev.frontend}/feature-update`) === '1';
      if (fb.updatesReported) xs.write(`${dev.backend}/request-update`, '1');
      screens.set(dev.id.domid, fb);
      return fb;
    },
    disconnect(fb) {
      fb.disconnect();
      screens.delete(fb.domid);
    },
  };
}

/** The keyboard back end's driver; `keyboards` gets each connected Xenkbd by domain. */
export function vkbdDriver(xen: Xen, keyboards: Map<number, Xenkbd>): BackendDriver<Xenkbd> {
  return {
    type: 'vkbd',
    probe(xs, dev) {
      xs.write(`${dev.backend}/feature-abs-pointer`, '1');
    },
    connect(xs, dev) {
      const pageGref = frontNumber(xs, dev, 'page-gref');
      const pageRef = frontNumber(xs, dev, 'page-ref');
      const eventChannel = required(xs, dev, 'event-channel');
      for (const v of [pageGref, pageRef, eventChannel]) if (typeof v === 'string') return v;
      if (pageGref === undefined && pageRef === undefined) {
        return 'reading page-gref: the front end has written neither page-gref nor page-ref';
      }
      const kbd = new Xenkbd(xen, dev.id.domid);
      const why = kbd.connect(
        {
          pageGref: pageGref as number | undefined,
          pageRef: pageRef as number | undefined,
          eventChannel: eventChannel as number,
        },
        (mfn) => {
          const mapped = foreignMap(xen, dev.id.domid, [mfn]);
          return typeof mapped === 'string' ? mapped : mapped[0]!;
        },
      );
      if (why !== null) return why;
      kbd.absolute = xs.tryRead(`${dev.frontend}/request-abs-pointer`) === '1';
      keyboards.set(dev.id.domid, kbd);
      return kbd;
    },
    disconnect(kbd) {
      kbd.disconnect();
      keyboards.delete(kbd.domid);
    },
  };
}

/** Domain 0's display on one Xen: the screens and keyboards by domain, and their back ends. */
export interface Display {
  readonly screens: Map<number, Xenfb>;
  readonly keyboards: Map<number, Xenkbd>;
  readonly vfb: XenbusBackend<Xenfb>;
  readonly vkbd: XenbusBackend<Xenkbd>;
}

const displays = new WeakMap<Xen, Display>();

/** Starts domain 0's display back ends on `xen` the first time, each on its own connection. */
export function display(xen: Xen, xenstored: Xenstored): Display {
  let d = displays.get(xen);
  if (d === undefined) {
    const screens = new Map<number, Xenfb>();
    const keyboards = new Map<number, Xenkbd>();
    const vfb = new XenbusBackend(new XsClient(xenstored), vfbDriver(xen, screens));
    const vkbd = new XenbusBackend(new XsClient(xenstored), vkbdDriver(xen, keyboards));
    xen.dom0Services.push(() => {
      vfb.poll();
      vkbd.poll();
    });
    d = { screens, keyboards, vfb, vkbd };
    displays.set(xen, d);
  }
  return d;
}

/** `vfb = [...]` and `vkb = [...]` in a domain's config: device 0 of each, as libxl writes them. */
export function displayAdd(xs: XsClient, domid: number): void {
  const id = (type: string) => ({ type, domid, devid: 0, backendDomid: 0 });
  deviceAdd(
    xs,
    id('vfb'),
    [],
    [
      ['vnc', '0'],
      ['sdl', '0'],
    ],
  );
  deviceAdd(xs, id('vkbd'), [], []);
}
