// A virtual CD-ROM: a vbd that says it is one — device-type cdrom, read-only, removable — and
// the toolstack's media change: book §10.1; Xen tools/libs/light/libxl_disk.c (is_cdrom,
// libxl_cdrom_insert), docs/misc/xenstore-paths.pandoc (device-type, params).
// xenlab: file from 10
//
// The block back end serves it as any vbd; what makes it a CD is what the entries say (the front
// end presents a removable, read-only drive) and a disk that refuses writes, so blkback answers
// every write BLKIF_RSP_ERROR. Changing the disc rewrites the back end's `params` (empty: no
// medium); the guest's front end sees it through its watch. xenlab's blkback keeps serving the
// disk it connected with: media change reaches XenStore, not yet the running back end.

import type { Domain } from '../xen/domain.ts';
import { vbdEntries, xvdNumber } from './blkback.ts';
import type { Disk } from './disk.ts';
import type { Vbds } from './vbd.ts';
import { backendPath, type DeviceId, deviceAdd } from './xenbus.ts';
import type { XsClient } from './xenstored/client.ts';

/** The entries of a vbd, turned into a CD's: device-type cdrom, mode r, removable. */
function cdromEntries(disk: Disk, vdev: string, params: string) {
  const cd = (entries: [string, string][]): [string, string][] =>
    entries.map(([key, value]): [string, string] => {
      if (key === 'device-type') return [key, 'cdrom'];
      if (key === 'removable') return [key, '1'];
      if (key === 'bootable') return [key, '0'];
      return [key, value];
    });
  const entries = vbdEntries(disk, vdev, params);
  return { front: cd(entries.front), back: cd(entries.back) };
}

/**
 * `xl block-attach D file,raw,xvdc,r,devtype=cdrom`: `disk` (which must refuse writes) becomes
 * the domain's CD drive `vdev`. Returns the device's id, or why not.
 */
export function cdromAttach(
  xs: XsClient,
  vbds: Vbds,
  d: Domain,
  disk: Disk,
  vdev = 'xvdc',
  params = vdev,
): DeviceId | string {
  if (!disk.readOnly) return `${vdev}: a CD is read-only; open its image read-only`;
  const id = { type: 'vbd', domid: d.domid, devid: xvdNumber(vdev), backendDomid: 0 };
  const entries = cdromEntries(disk, vdev, params);
  vbds.disks.set(backendPath(id), disk);
  deviceAdd(xs, id, entries.front, entries.back);
  vbds.blkback.poll();
  return id;
}

/** libxl_cdrom_insert, reduced: the back end's `params` names the new medium ('' ejects). */
export function cdromChangeMedia(xs: XsClient, id: DeviceId, params: string): void {
  xs.write(`${backendPath(id)}/params`, params);
}
