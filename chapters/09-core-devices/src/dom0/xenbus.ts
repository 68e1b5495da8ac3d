// Your working copy for chapter 09, generated from solutions/dom0/xenbus.ts by npx xenlab stage.
// XenBus: how a split device's two halves find each other and agree it is usable, for every
// device class: book §6.4, §9.1.1; Xen public/io/xenbus.h (enum xenbus_state), tools/libs/light/
// libxl_device.c (libxl__device_generic_add, libxl__initiate_device_generic_remove), Linux
// drivers/xen/xenbus/xenbus_probe_backend.c and drivers/block/xen-blkback/xenbus.c
// (frontend_changed), docs/xen-abi.md §11.2.
//
// The toolstack writes two directories for a device: the front end's, under the guest's home
// (/local/domain/D/device/TYPE/N), which the guest owns and domain 0 may read, and the back
// end's, under the driver domain's (/local/domain/0/backend/TYPE/D/N), which domain 0 owns and
// the guest may read. Each holds the path and domain of the other, and a `state`. From then on
// each end writes only its own directory, and watches the other's `state`.
//
// The back end here is generic: a XenbusBackend watches the whole backend/TYPE subtree, finds
// devices as they appear, follows each front end's state with a watch, and asks its driver (the
// block back end, the network back end) to publish what it offers, to connect and to disconnect.
// What it does on each change of the front end's state is one decision, backendAction.

import { NotImplemented } from '../exercise.ts';
import type { XsClient } from './xenstored/client.ts';

/** enum xenbus_state. */
export const XenbusState = {
  Unknown: 0,
  Initialising: 1,
  InitWait: 2,
  Initialised: 3,
  Connected: 4,
  Closing: 5,
  Closed: 6,
  Reconfiguring: 7,
  Reconfigured: 8,
} as const;

/** A device as the toolstack names it: its class, its guest, its number in that guest. */
export interface DeviceId {
  /** "vbd", "vif", … */
  type: string;
  /** The front end's domain. */
  domid: number;
  /** The device's number (a vbd's virtual-device, a vif's index). */
  devid: number;
  /** The back end's domain: 0 here. */
  backendDomid: number;
}

export const frontendPath = (dev: DeviceId): string =>
  `/local/domain/${dev.domid}/device/${dev.type}/${dev.devid}`;

export const backendPath = (dev: DeviceId): string =>
  `/local/domain/${dev.backendDomid}/backend/${dev.type}/${dev.domid}/${dev.devid}`;

/**
 * libxl__device_generic_add: both directories in one transaction, each owned by its end and
 * readable by the other, each naming the other, both in Initialising; then the class's own
 * entries (`front`, `back`).
 */
export function deviceAdd(
  xs: XsClient,
  dev: DeviceId,
  front: readonly [string, string][],
  back: readonly [string, string][],
): void {
  const fe = frontendPath(dev);
  const be = backendPath(dev);
  const initialising = String(XenbusState.Initialising);
  const frontEntries: [string, string][] = [
    ['backend', be],
    ['backend-id', String(dev.backendDomid)],
    ['state', initialising],
    ...front,
  ];
  const backEntries: [string, string][] = [
    ['frontend', fe],
    ['frontend-id', String(dev.domid)],
    ['online', '1'],
    ['state', initialising],
    ...back,
  ];
  for (;;) {
    const tx = xs.transactionStart();
    xs.mkdir(fe, tx);
    xs.setPerms(fe, [`n${dev.domid}`, `r${dev.backendDomid}`], tx);
    xs.mkdir(be, tx);
    xs.setPerms(be, [`n${dev.backendDomid}`, `r${dev.domid}`], tx);
    for (const [key, value] of frontEntries) xs.write(`${fe}/${key}`, value, tx);
    for (const [key, value] of backEntries) xs.write(`${be}/${key}`, value, tx);
    if (xs.transactionEnd(tx)) return;
  }
}

/**
 * libxl__initiate_device_generic_remove: the toolstack asks for the device back — `online` 0
 * and the back end's state Closing, which the front end sees and answers by closing.
 */
export function deviceRemove(xs: XsClient, dev: DeviceId): void {
  const be = backendPath(dev);
  if (xs.tryRead(`${be}/state`) === undefined) return;
  xs.write(`${be}/online`, '0');
  xs.write(`${be}/state`, String(XenbusState.Closing));
}

/** Once both ends are Closed (or the guest is gone): both directories go. */
export function deviceDestroy(xs: XsClient, dev: DeviceId): void {
  for (const path of [frontendPath(dev), backendPath(dev)]) {
    // The front end's directory went already if its domain died (with its whole home).
    if (xs.tryRead(path) !== undefined) xs.rm(path);
  }
}

/** What a back end does about the front end's state. */
export type BackendAction = 'none' | 'reinit' | 'connect' | 'close' | 'closed';

/**
 * frontend_changed's decision: given the back end's state in XenStore and the front end's
 * (Unknown when its directory is gone), what the back end does now —
 *  - reinit:  go back to InitWait (a front end starting again after a close);
 *  - connect: map the ring, bind the channel, become Connected;
 *  - close:   stop serving and become Closing;
 *  - closed:  stop serving and become Closed;
 *  - none.
 * Every call must be safe to repeat: watches fire again for the same state.
 */
export function backendAction(back: number, front: number): BackendAction {
  throw new NotImplemented('09-xenbus-backend', '9.1.1');
}

/** One device as its back end keeps it. */
export interface BackendDevice<C> {
  readonly id: DeviceId;
  readonly backend: string;
  readonly frontend: string;
  /** The driver's connection while Connected, else null. */
  conn: C | null;
}

/**
 * A number the front end published under its directory, decimal digits only as a back end
 * parses it; a key missing or malformed comes back as the reason, for the `error` node.
 */
export function frontNumber<C>(xs: XsClient, dev: BackendDevice<C>, key: string): number | string {
  const text = xs.tryRead(`${dev.frontend}/${key}`);
  if (text === undefined) return `reading ${key}: the front end has not written it`;
  if (!/^\d{1,10}$/.test(text)) return `reading ${key}: "${text}" is not a number`;
  return Number(text);
}

/** What a device class brings to the generic back end. */
export interface BackendDriver<C> {
  /** The class: the directory under backend/ it serves ("vbd"). */
  readonly type: string;
  /** Writes what the back end offers (sizes, feature-*) into the device's backend directory. */
  probe(xs: XsClient, dev: BackendDevice<C>): void;
  /** Reads what the front end set up, maps and binds it; the connection, or why not. */
  connect(xs: XsClient, dev: BackendDevice<C>): C | string;
  /** Finishes what the front end already asked, then lets go of the ring and the channel. */
  disconnect(conn: C): void;
}

/** A watch token names what it watches: the class's subtree, or one device's front end. */
const SUBTREE = 'backend';
const frontToken = (backend: string): string => `frontend ${backend}`;

/**
 * The generic back end of one device class in domain 0: `poll` takes the watch events that
 * came in and brings every device they concern up to date. Domain 0 polls it between the
 * guests' slices (xen.dom0Services). `stop` is the back end dying: it lets go of every ring and
 * channel but leaves XenStore as it is, so a new back end started later takes the devices over.
 */
export class XenbusBackend<C> {
  readonly xs: XsClient;
  readonly driver: BackendDriver<C>;
  readonly backendDomid: number;
  readonly devices = new Map<string, BackendDevice<C>>();
  /** What went wrong with a device, for the logs and the tests. */
  readonly log: string[] = [];

  constructor(xs: XsClient, driver: BackendDriver<C>, backendDomid = 0) {
    this.xs = xs;
    this.driver = driver;
    this.backendDomid = backendDomid;
    xs.watch(this.root(), SUBTREE);
    this.poll();
  }

  private root(): string {
    return `/local/domain/${this.backendDomid}/backend/${this.driver.type}`;
  }

  /** Takes the watch events received so far and acts on every device they touch. */
  poll(): void {
    while (this.xs.events.length > 0) {
      for (const { path, token } of this.xs.takeEvents()) {
        if (token === SUBTREE) {
          this.subtreeChanged(path);
          continue;
        }
        const dev = this.devices.get(token.slice(frontToken('').length));
        if (dev !== undefined) this.frontendChanged(dev);
      }
    }
  }

  /** Something under backend/TYPE changed: a device appeared, went, or its own entries moved. */
  private subtreeChanged(path: string): void {
    const parts = path.slice(this.root().length + 1).split('/');
    if (parts.length < 2 || parts[0] === '' || parts[1] === '') {
      // The subtree itself (the watch's first firing): look for devices already there.
      for (const domid of this.list(this.root())) {
        for (const devid of this.list(`${this.root()}/${domid}`)) this.found(domid, devid);
      }
      return;
    }
    this.found(parts[0]!, parts[1]!);
  }

  private list(path: string): string[] {
    try {
      return this.xs.directory(path);
    } catch {
      return [];
    }
  }

  /** A device directory named by an event: new, gone, or known. */
  private found(domid: string, devid: string): void {
    const backend = `${this.root()}/${domid}/${devid}`;
    const known = this.devices.get(backend);
    const frontend = this.xs.tryRead(`${backend}/frontend`);
    if (frontend === undefined) {
      if (known !== undefined) this.forget(known);
      return;
    }
    if (known !== undefined) {
      this.frontendChanged(known);
      return;
    }
    const id = {
      type: this.driver.type,
      domid: Number(domid),
      devid: Number(devid),
      backendDomid: this.backendDomid,
    };
    const dev: BackendDevice<C> = { id, backend, frontend, conn: null };
    this.devices.set(backend, dev);
    // probe: publish what the back end offers, then wait for the front end (unless the device
    // is on its way out already).
    const state = this.backState(dev);
    if (state !== XenbusState.Closing && state !== XenbusState.Closed) {
      this.driver.probe(this.xs, dev);
      this.setState(dev, XenbusState.InitWait);
    }
    this.xs.watch(`${frontend}/state`, frontToken(backend));
  }

  private backState(dev: BackendDevice<C>): number {
    return Number(this.xs.tryRead(`${dev.backend}/state`) ?? XenbusState.Unknown);
  }

  private frontState(dev: BackendDevice<C>): number {
    return Number(this.xs.tryRead(`${dev.frontend}/state`) ?? XenbusState.Unknown);
  }

  /** Writes the back end's state, unless it is that already (a write fires every watch). */
  private setState(dev: BackendDevice<C>, state: number): void {
    if (this.xs.tryRead(`${dev.backend}/frontend`) === undefined) return;
    if (this.backState(dev) === state) return;
    this.xs.write(`${dev.backend}/state`, String(state));
  }

  /** The front end's state moved (or may have): act on it. */
  private frontendChanged(dev: BackendDevice<C>): void {
    const action = backendAction(this.backState(dev), this.frontState(dev));
    switch (action) {
      case 'reinit':
        this.driver.probe(this.xs, dev);
        this.setState(dev, XenbusState.InitWait);
        break;
      case 'connect': {
        const conn = this.driver.connect(this.xs, dev);
        if (typeof conn === 'string') {
          this.fail(dev, conn);
          break;
        }
        dev.conn = conn;
        this.setState(dev, XenbusState.Connected);
        break;
      }
      case 'close':
        this.disconnect(dev);
        this.setState(dev, XenbusState.Closing);
        break;
      case 'closed':
        this.disconnect(dev);
        this.setState(dev, XenbusState.Closed);
        break;
      case 'none':
        break;
    }
  }

  /** xenbus_dev_fatal: the reason goes into the back end's `error` node, and it closes. */
  private fail(dev: BackendDevice<C>, why: string): void {
    this.log.push(`${dev.backend}: ${why}`);
    this.xs.write(`${dev.backend}/error`, why);
    this.setState(dev, XenbusState.Closing);
  }

  private disconnect(dev: BackendDevice<C>): void {
    if (dev.conn === null) return;
    const conn = dev.conn;
    dev.conn = null;
    this.driver.disconnect(conn);
  }

  /** The device's directory is gone: let go of it. */
  private forget(dev: BackendDevice<C>): void {
    this.disconnect(dev);
    this.xs.unwatch(`${dev.frontend}/state`, frontToken(dev.backend));
    this.devices.delete(dev.backend);
  }

  /** Whether stop() was called. */
  stopped = false;

  /** The back end dies: rings and channels let go, XenStore left as it is, watches dropped. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const dev of [...this.devices.values()]) this.forget(dev);
    this.xs.unwatch(this.root(), SUBTREE);
  }
}
