// Your working copy for chapter 10, generated from solutions/dom0/fbif.ts by npx xenlab stage.
// The virtual framebuffer's wire format: the shared page, its event rings and its page directory:
// book §10.2; Xen public/io/fbif.h, docs/xen-abi.md §12.3.
//
// The front end shares one page (xenfb_page) by its machine frame, `page-ref`: the framebuffer's
// geometry, a page directory `pd` of frames each listing the framebuffer's own frames, and two
// rings of 40-byte events with free-running indexes — `in` (back end to front end, at 1024) and
// `out` (front end to back end, at 2048), where the front end reports the rectangles it drew.

/** Out events: the front end drew into rectangle (x, y, width, height). */
export const XENFB_TYPE_UPDATE = 2;
/** Out event: the front end changed the geometry (only when the back end offers feature-resize). */
export const XENFB_TYPE_RESIZE = 3;

export const XENFB_OUT_EVENT_SIZE = 40;
export const XENFB_IN_EVENT_SIZE = 40;
export const XENFB_IN_RING_SIZE = 1024;
export const XENFB_IN_RING_OFFS = 1024;
export const XENFB_IN_RING_LEN = Math.floor(XENFB_IN_RING_SIZE / XENFB_IN_EVENT_SIZE);
export const XENFB_OUT_RING_SIZE = 2048;
export const XENFB_OUT_RING_OFFS = XENFB_IN_RING_OFFS + XENFB_IN_RING_SIZE;
export const XENFB_OUT_RING_LEN = Math.floor(XENFB_OUT_RING_SIZE / XENFB_OUT_EVENT_SIZE);

/** struct xenfb_page on x86_32 (unsigned long pd[] is 4 bytes; pd is 4-aligned after depth). */
export const XENFB_PAGE = {
  in_cons: 0,
  in_prod: 4,
  out_cons: 8,
  out_prod: 12,
  width: 16,
  height: 20,
  line_length: 24,
  mem_length: 28,
  depth: 32,
  pd: 36,
} as const;

/** struct xenfb_update: type at 0, then four int32s (4-aligned). */
export const XENFB_UPDATE = { type: 0, x: 4, y: 8, width: 12, height: 16 } as const;

/** Frames one directory page lists on x86_32 (PAGE_SIZE / sizeof(unsigned long)). */
export const XENFB_PD_FRAMES = 1024;
/**
 * Directory entries a 32-bit front end can use: pd[256] would run from byte 36 to 1060, into
 * the in ring at 1024; the entries before it (247, each 4 MiB of framebuffer) are all that is
 * safe, far more than any front end here needs.
 */
export const XENFB_PD_USABLE = (XENFB_IN_RING_OFFS - XENFB_PAGE.pd) / 4;
