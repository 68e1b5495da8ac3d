// Your working copy for chapter 10, generated from solutions/dom0/kbdif.ts by npx xenlab stage.
// The virtual keyboard and pointer's wire format: book §10.2; Xen public/io/kbdif.h,
// docs/xen-abi.md §12.3.
//
// One shared page (granted as `page-gref`, or by frame as the older `page-ref`) with two rings
// of 40-byte events and free-running indexes: `in` (back end to front end, at 1024, 2048
// bytes: keys and pointer moves) and `out` (front end to back end, unused by the protocol).

export const XENKBD_TYPE_MOTION = 1;
export const XENKBD_TYPE_KEY = 3;
export const XENKBD_TYPE_POS = 4;

export const XENKBD_IN_EVENT_SIZE = 40;
export const XENKBD_IN_RING_SIZE = 2048;
export const XENKBD_IN_RING_OFFS = 1024;
export const XENKBD_IN_RING_LEN = Math.floor(XENKBD_IN_RING_SIZE / XENKBD_IN_EVENT_SIZE);
export const XENKBD_OUT_RING_SIZE = 1024;
export const XENKBD_OUT_RING_OFFS = XENKBD_IN_RING_OFFS + XENKBD_IN_RING_SIZE;

/** struct xenkbd_page. */
export const XENKBD_PAGE = { in_cons: 0, in_prod: 4, out_cons: 8, out_prod: 12 } as const;

/** struct xenkbd_key: type, pressed (1 or 0), then the Linux KEY_* code at 4. */
export const XENKBD_KEY = { type: 0, pressed: 1, keycode: 4 } as const;
/** struct xenkbd_motion: relative x, y and wheel. */
export const XENKBD_MOTION = { type: 0, rel_x: 4, rel_y: 8, rel_z: 12 } as const;
/** struct xenkbd_position: absolute x, y in framebuffer pixels, and the wheel's relative z. */
export const XENKBD_POSITION = { type: 0, abs_x: 4, abs_y: 8, rel_z: 12 } as const;
