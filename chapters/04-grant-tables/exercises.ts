// Chapter 04's exercises: the hypervisor's side of grant tables (permission, map, unmap,
// copy) and the guests' side (granting a page, mapping one): book §4.1–4.5.

import type { Exercise } from '../exercise.ts';

export const EXERCISES: Exercise[] = [
  {
    id: '04-grant-permission',
    title: 'May this domain use this grant?',
    points: 20,
    files: ['src/xen/grant-map.ts'],
    section: '4.3',
    hints: [
      'Read the shared entry of the ref: its type must be GTF_permit_access and its domid the ' +
        'domain asking. A ref already in use (act.pin != 0) belongs to act.domid instead.',
      'Writing is refused when the granter set GTF_readonly, and the frame (sha.frame on first ' +
        'use, act.frame after) must be owned by the granter: heap.owner[frame] === rd.domid.',
      'Only when every check has passed, write the flags back with GTF_reading, plus ' +
        'GTF_writing for a writable use; every refusal is GNTST_general_error.',
    ],
    fuel: 1_000_000,
  },
  {
    id: '04-map-grant-ref',
    title: 'GNTTABOP_map_grant_ref',
    points: 25,
    files: ['src/xen/grant-map.ts'],
    section: '4.1.1',
    hints: [
      "Check in Xen's order: no device/host flag → GNTST_bad_gntref, unknown or dying domain " +
        '→ GNTST_bad_domain, table at version 0 → GNTST_general_error, ref past the end → ' +
        'GNTST_bad_gntref.',
      'Take a maptrack handle, ask grantPermission only for a first pin (or a first writable ' +
        'one), then add the pin increment of the mapping kind (pinIncrement).',
      'For GNTMAP_host_map write the PTE with createHostMapping; if that fails, give back the ' +
        'pin, the status flags (clearStatusFlags) and the handle before returning its status.',
    ],
    fuel: 1_000_000,
  },
  {
    id: '04-unmap-grant-ref',
    title: 'GNTTABOP_unmap_grant_ref',
    points: 20,
    files: ['src/xen/grant-map.ts'],
    section: '4.3',
    hints: [
      'A handle that is out of range or free is GNTST_bad_handle. The maptrack entry tells you ' +
        'the granter and the ref.',
      'A non-zero dev_bus_addr must equal frame × 4096; a host_addr undoes the host part ' +
        '(destroyHostMapping checks the PTE still maps the frame). Drop the matching pin each.',
      'Then clearStatusFlags, releaseOrphanFrame when the pin count reaches 0, and free the ' +
        'handle once neither GNTMAP_host_map nor GNTMAP_device_map is left in it.',
    ],
    fuel: 1_000_000,
  },
  {
    id: '04-grant-copy',
    title: 'GNTTABOP_copy',
    points: 15,
    files: ['src/xen/grant-copy.ts'],
    section: '4.1.2',
    hints: [
      'First the arguments: offset + len beyond 4096 on either side is GNTST_bad_copy_arg; a ' +
        'plain frame with a domid other than DOMID_SELF is GNTST_permission_denied.',
      'copyFrame resolves each side: it pins a grant (remember it in `held`) or checks that a ' +
        "plain frame is the caller's. The destination is acquired for writing.",
      'Copy the bytes in machine memory (heap.mem.ram), then release every grant you pinned, ' +
        'whether the copy happened or not.',
    ],
    fuel: 1_000_000,
  },
  {
    id: '04-guest-map',
    title: 'A guest maps a granted page (book §4.4)',
    points: 10,
    files: ['src/guests/grant-map.asm'],
    section: '4.4',
    hints: [
      'Fill map_op: host_addr = window, flags = GNTMAP_host_map, ref and dom from the command ' +
        'line (dom is a 16-bit field).',
      'grant_table_op takes cmd in EBX, the array in ECX and the count in EDX: ' +
        'GNTTABOP_map_grant_ref, map_op, 1.',
    ],
    fuel: 2_000_000,
  },
  {
    id: '04-guest-grant',
    title: 'Sharing memory between two VMs (book §4.5)',
    points: 10,
    files: ['src/guests/lib/gnttab.asm'],
    section: '4.5',
    hints: [
      'EAX points at the entry. Write the domid (16 bits) and the frame (32 bits) first.',
      'Write the flags last — GTF_permit_access, or with GTF_readonly when ESI is not 0 — ' +
        'because Xen may use the entry as soon as its type is set. Keep ECX intact.',
    ],
    fuel: 2_000_000,
  },
];
