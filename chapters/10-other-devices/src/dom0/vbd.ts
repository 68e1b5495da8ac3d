// Your working copy for chapter 10, generated from solutions/dom0/vbd.ts by npx xenlab stage.
// The toolstack's virtual disks: attach a disk image to a domain as a vbd, take it away again,
// and the block back end that serves them: book §9.1.1; Xen tools/libs/light/libxl_disk.c
// (libxl__device_disk_add), libxl_device.c (device removal), `xl block-attach`/`block-detach`.
//
// Attaching writes the device's two XenStore directories (xenbus.ts) and tells the back end
// which disk is behind it; the back end, watching, does the rest with the guest's front end.
// Detaching asks both ends to close (the back end answers every request already on the ring
// first) and removes the directories once the back end is Closed.

import type { Domain } from '../xen/domain.ts';
import type { Xen } from '../xen/xen.ts';
import { Blkback, vbdEntries, xvdNumber } from './blkback.ts';
import type { Disk } from './disk.ts';
import {
  backendPath,
  type DeviceId,
  deviceAdd,
  deviceDestroy,
  deviceRemove,
  XenbusState,
} from './xenbus.ts';
import type { XsClient } from './xenstored/client.ts';
import type { Xenstored } from './xenstored/xenstored.ts';

export class Vbds {
  private readonly xen: Xen;
  private readonly xenstored: Xenstored;
  private readonly xs: XsClient;
  /** The disk behind each vbd, by the back end's directory. */
  readonly disks = new Map<string, Disk>();
  /** Domain 0's block back end (a new one after restartBackend). */
  blkback: Blkback;
  /** Every vbd attached and not destroyed yet, by the back end's directory. */
  private readonly attached = new Map<string, DeviceId>();

  constructor(xen: Xen, xenstored: Xenstored, xs: XsClient) {
    this.xen = xen;
    this.xenstored = xenstored;
    this.xs = xs;
    this.blkback = new Blkback(xen, xenstored, this.disks);
    xen.dom0Services.push(() => this.service());
  }

  /**
   * Domain 0's turn: the back end takes its XenStore events, and the vbds of domains that died
   * go (libxl removes a dead domain's devices; xenstored has removed its home already).
   */
  private service(): void {
    this.blkback.poll();
    for (const id of [...this.attached.values()]) {
      if (this.xen.findDomain(id.domid) === undefined) this.destroyIfClosed(id);
    }
  }

  /** `xl block-attach D disk vdev`: the device's id (its devid is the vbd number of `vdev`). */
  attach(d: Domain, disk: Disk, vdev = 'xvda', params = vdev): DeviceId {
    const id = { type: 'vbd', domid: d.domid, devid: xvdNumber(vdev), backendDomid: 0 };
    const entries = vbdEntries(disk, vdev, params);
    this.disks.set(backendPath(id), disk);
    this.attached.set(backendPath(id), id);
    deviceAdd(this.xs, id, entries.front, entries.back);
    this.blkback.poll();
    return id;
  }

  /** `xl block-detach`, first half: both ends asked to close. */
  detach(id: DeviceId): void {
    deviceRemove(this.xs, id);
    this.blkback.poll();
  }

  /** Second half, once the back end is Closed (or the guest gone): the directories go. */
  destroyIfClosed(id: DeviceId): boolean {
    const state = Number(this.xs.tryRead(`${backendPath(id)}/state`) ?? XenbusState.Closed);
    if (state !== XenbusState.Closed && this.xen.findDomain(id.domid) !== undefined) return false;
    deviceDestroy(this.xs, id);
    this.disks.delete(backendPath(id));
    this.attached.delete(backendPath(id));
    this.blkback.poll();
    return true;
  }

  /** The back end process dies (it may be started again: restartBackend). */
  stopBackend(): void {
    this.blkback.stop();
  }

  /** A new back end starts (the old one stopped first): it takes the devices over from XenStore. */
  restartBackend(): void {
    this.blkback.stop();
    this.blkback = new Blkback(this.xen, this.xenstored, this.disks);
  }
}
