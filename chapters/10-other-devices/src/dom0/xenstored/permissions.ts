// Your working copy for chapter 10, generated from solutions/dom0/xenstored/permissions.ts by npx xenlab stage.
// Node permissions: who may read, write or own a node: book §8.3; Xen tools/xenstored/core.c
// (perm_for_conn), tools/libs/store/xs_lib.c (xenstore_strings_to_perms), docs/misc/xenstore.txt.
//
// A node carries a list of permissions, each a domain and what it may do. The first entry is
// special: its domain owns the node, and its rights are what every domain not listed gets. As
// text (SET_PERMS, GET_PERMS, xenstore-chmod) an entry is a letter and a domid: `r5` lets
// domain 5 read, `w` write, `b` both, `n` neither; "n0 r5" is a node dom0 owns, that domain 5
// may read and no one else may touch.

/** enum xs_perm_type. */
export const XS_PERM_NONE = 0;
export const XS_PERM_READ = 1;
export const XS_PERM_WRITE = 2;
/** Internal: the connection owns the node (may change its permissions). */
export const XS_PERM_OWNER = 8;

/** One entry of a node's permission list (struct xs_permissions). */
export interface XsPermission {
  id: number;
  perms: number;
}

const LETTERS: Readonly<Record<string, number>> = {
  n: XS_PERM_NONE,
  r: XS_PERM_READ,
  w: XS_PERM_WRITE,
  b: XS_PERM_READ | XS_PERM_WRITE,
};

/** Highest domid a permission may name (DOMID_FIRST_RESERVED - 1 is the last real domain). */
const DOMID_MAX = 0xffff;

/** One permission as text ("r5"), or undefined when it is not one. */
export function parsePermission(text: string): XsPermission | undefined {
  const perms = LETTERS[text[0] ?? ''];
  const digits = text.slice(1);
  if (perms === undefined || !/^[0-9]+$/.test(digits)) return undefined;
  const id = Number(digits);
  return id <= DOMID_MAX ? { id, perms } : undefined;
}

export function formatPermission(p: XsPermission): string {
  const letter = Object.keys(LETTERS).find((l) => LETTERS[l] === (p.perms & 3)) ?? 'n';
  return `${letter}${p.id}`;
}

/** Who is asking: a connection's domain, and the domain it acts for (XS_SET_TARGET). */
export interface Requester {
  domid: number;
  /** Domain 0 and the control domain are not subject to permissions or quotas. */
  privileged: boolean;
  target?: number;
}

/**
 * What `who` may do with a node whose permission list is `perms` (perm_for_conn): a mask of
 * XS_PERM_READ, XS_PERM_WRITE and XS_PERM_OWNER.
 *
 * A privileged requester, and the node's owner (perms[0].id, or the domain the requester acts
 * for), may do everything. Anyone else gets the rights of the first later entry naming them
 * (or their target); a domain no entry names gets the first entry's rights.
 */
export function permForConn(who: Requester, perms: readonly XsPermission[]): number {
  const all = XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;
  const owner = perms[0]!;
  const names = (id: number) => id === who.domid || (who.target !== undefined && id === who.target);
  if (who.privileged || names(owner.id)) return all;
  for (const p of perms.slice(1)) {
    if (names(p.id)) return p.perms & all;
  }
  return owner.perms & all;
}
