// Your working copy for chapter 10, generated from solutions/dom0/xenstored/ops-nodes.ts by npx xenlab stage.
// The requests on nodes: READ, WRITE, MKDIR, RM, DIRECTORY, DIRECTORY_PART, GET_PERMS and
// SET_PERMS: book §8.2–8.3; Xen tools/xenstored/core.c (do_read, do_write, …, get_node).

import {
  formatPermission,
  parsePermission,
  permForConn,
  XS_PERM_OWNER,
  XS_PERM_READ,
  XS_PERM_WRITE,
} from './permissions.ts';
import { pathLimits } from './quota.ts';
import {
  baseName,
  canonicalize,
  newNode,
  nodeSize,
  parentOf,
  subtree,
  type XsNode,
} from './store.ts';
import {
  bytesOf,
  oneArg,
  splitStrings,
  strings,
  XENSTORE_PAYLOAD_MAX,
  XS_DIRECTORY,
  XS_DIRECTORY_PART,
  XS_GET_PERMS,
  XS_MKDIR,
  XS_READ,
  XS_RM,
  XS_SET_PERMS,
  XS_WRITE,
  type XsError,
} from './wire.ts';
import type { Request, WireFunc } from './xenstored.ts';

const OK = strings('OK');

/** A path looked up for a request: the node, or undefined when it does not exist. */
interface Found {
  path: string;
  node: XsNode | undefined;
}

/**
 * Looks `name` up for a request that needs the rights `perm` (get_node). A node the requester
 * may not use is EACCES. A node that does not exist is reported as such only to a requester
 * whose nearest existing ancestor grants some of `perm`; anyone else gets EACCES too, so that
 * a guest cannot learn which paths exist where it may not look (errno_from_parents).
 */
export function getNode(
  r: Request,
  name: string | undefined,
  perm: number,
  allowSpecial = false,
): Found | XsError {
  const limits = pathLimits(r.conn.privileged, r.xs.quotas);
  const path =
    name === undefined ? undefined : canonicalize(name, r.conn.domid, allowSpecial, limits);
  if (path === undefined) return 'EINVAL';
  const node = r.view.get(path);
  if (node !== undefined) {
    return (permForConn(r.conn, node.perms) & perm) === perm ? { path, node } : 'EACCES';
  }
  let ancestor: XsNode | undefined;
  for (let p = parentOf(path); ancestor === undefined; p = parentOf(p)) {
    ancestor = r.view.get(p);
    if (p === '/') break;
  }
  if (ancestor === undefined || (permForConn(r.conn, ancestor.perms) & perm) === 0) {
    return 'EACCES';
  }
  return { path, node: undefined };
}

/** Nodes owned by domain `domid` in the requester's view of the store. */
function nodesOwned(r: Request, domid: number): number {
  let n = 0;
  for (const node of r.view.nodes()) if (node.perms[0]!.id === domid) n++;
  return n;
}

/** Stores `node` for the requester, held to the node-size quota if they are a guest. */
function putNode(r: Request, node: XsNode): XsError | undefined {
  if (!r.conn.privileged && nodeSize(node) > r.xs.quotas.nodeSize) return 'ENOSPC';
  r.view.put(node);
  return undefined;
}

/**
 * Makes `path` and any missing ancestors (construct_node). A new node takes its parent's
 * permissions, except that a guest owns what it makes. Nothing is changed on failure.
 */
function createNode(r: Request, path: string, value: Uint8Array): XsError | undefined {
  const missing: string[] = [];
  let parent: XsNode | undefined;
  for (let p = path; parent === undefined; ) {
    missing.unshift(p);
    p = parentOf(p);
    parent = r.view.get(p);
  }
  const made: XsNode[] = [];
  for (const p of missing) {
    const perms: XsNode['perms'] = r.conn.privileged
      ? parent.perms
      : [{ ...parent.perms[0]!, id: r.conn.domid }, ...parent.perms.slice(1)];
    made.push({ ...parent, children: [...parent.children, baseName(p)] });
    parent = { ...newNode(p, perms), value: p === path ? value : new Uint8Array(0) };
  }
  made.push(parent);
  if (!r.conn.privileged && nodesOwned(r, r.conn.domid) + missing.length > r.xs.quotas.nodes) {
    return 'ENOSPC';
  }
  if (!r.conn.privileged && made.some((n) => nodeSize(n) > r.xs.quotas.nodeSize)) return 'ENOSPC';
  for (const n of made) r.view.put(n);
  return undefined;
}

function doRead(r: Request): Uint8Array | XsError {
  const found = getNode(r, oneArg(r.msg.payload), XS_PERM_READ);
  if (typeof found === 'string') return found;
  return found.node?.value ?? 'ENOENT';
}

function doDirectory(r: Request): Uint8Array | XsError {
  const found = getNode(r, oneArg(r.msg.payload), XS_PERM_READ);
  if (typeof found === 'string') return found;
  return found.node === undefined ? 'ENOENT' : strings(...found.node.children);
}

/** atoi: the leading decimal number, 0 if none. */
function atoi(s: string): number {
  const m = /^\s*([+-]?[0-9]+)/.exec(s);
  return m === null ? 0 : Number.parseInt(m[1]!, 10);
}

/**
 * A slice of a long directory (send_directory_part): the node's generation, then the child
 * names from byte `offset` of the list that fit in one payload; an empty string ends the list.
 */
function doDirectoryPart(r: Request): Uint8Array | XsError {
  const args = splitStrings(r.msg.payload);
  if (args.length !== 2) return 'EINVAL';
  const found = getNode(r, args[0], XS_PERM_READ);
  if (typeof found === 'string') return found;
  if (found.node === undefined) return 'ENOENT';
  const list = strings(...found.node.children);
  const offset = atoi(args[1]!);
  const gen = strings(String(found.node.generation));
  if (offset < 0 || offset >= list.length) return new Uint8Array([...gen, 0]);
  const max = XENSTORE_PAYLOAD_MAX - gen.length - 1;
  let len = 0;
  while (offset + len < list.length) {
    const next = list.indexOf(0, offset + len) - (offset + len);
    if (len + next >= max) break;
    len += next + 1;
  }
  const end = offset + len === list.length ? [0] : [];
  return new Uint8Array([...gen, ...list.subarray(offset, offset + len), ...end]);
}

function doWrite(r: Request): Uint8Array | XsError {
  const args = splitStrings(r.msg.payload);
  if (args.length < 1) return 'EINVAL';
  const value = r.msg.payload.slice(bytesOf(args[0]!).length + 1);
  const found = getNode(r, args[0], XS_PERM_WRITE);
  if (typeof found === 'string') return found;
  const error =
    found.node === undefined
      ? createNode(r, found.path, value)
      : putNode(r, { ...found.node, value });
  if (error !== undefined) return error;
  r.xs.fireWatches(r.tx, { path: found.path, exact: false });
  return OK;
}

function doMkdir(r: Request): Uint8Array | XsError {
  const found = getNode(r, oneArg(r.msg.payload), XS_PERM_WRITE);
  if (typeof found === 'string') return found;
  if (found.node !== undefined) return OK;
  const error = createNode(r, found.path, new Uint8Array(0));
  if (error !== undefined) return error;
  r.xs.fireWatches(r.tx, { path: found.path, exact: false });
  return OK;
}

/**
 * Removes a node and everything below it (do_rm). Removing a node that does not exist is fine
 * if its parent does. Watches fire for each removed node, children first: on the root of the
 * removal as for a write, below it only watches on the node itself.
 */
function doRm(r: Request): Uint8Array | XsError {
  const found = getNode(r, oneArg(r.msg.payload), XS_PERM_WRITE);
  if (typeof found === 'string') return found;
  const { path, node } = found;
  if (node === undefined) return r.view.get(parentOf(path)) === undefined ? 'ENOENT' : OK;
  if (path === '/') return 'EINVAL';
  const removed = subtree(r.view, path);
  const parent = r.view.get(parentOf(path))!;
  for (const n of removed) {
    r.xs.fireWatches(r.tx, { path: n.path, exact: n.path !== path, node: n });
  }
  for (const n of removed) r.view.remove(n.path);
  r.view.put({ ...parent, children: parent.children.filter((c) => c !== baseName(path)) });
  return OK;
}

function doGetPerms(r: Request): Uint8Array | XsError {
  const found = getNode(r, oneArg(r.msg.payload), XS_PERM_READ, true);
  if (typeof found === 'string') return found;
  if (found.node === undefined) return 'ENOENT';
  return strings(...found.node.perms.map(formatPermission));
}

/**
 * New permissions for a node (do_set_perms): only its owner (or domain 0) may, and a guest may
 * not give its node away.
 */
function doSetPerms(r: Request): Uint8Array | XsError {
  const args = splitStrings(r.msg.payload);
  if (args.length < 2) return 'EINVAL';
  if (!r.conn.privileged && args.length - 1 > r.xs.quotas.permissions) return 'ENOSPC';
  const perms = args.slice(1).map(parsePermission);
  if (perms.some((p) => p === undefined)) return 'EINVAL';
  const found = getNode(r, args[0], XS_PERM_WRITE | XS_PERM_OWNER, true);
  if (typeof found === 'string') return found;
  const { path, node } = found;
  if (node === undefined) return 'ENOENT';
  const newPerms = perms.filter((p) => p !== undefined);
  if (!r.conn.privileged && newPerms[0]!.id !== node.perms[0]!.id) return 'EPERM';
  const error = putNode(r, { ...node, perms: newPerms });
  if (error !== undefined) return error;
  r.xs.fireWatches(r.tx, { path, exact: false, oldPerms: node.perms });
  return OK;
}

export const NODE_OPS: ReadonlyArray<[number, WireFunc]> = [
  [XS_DIRECTORY, { handler: doDirectory }],
  [XS_READ, { handler: doRead }],
  [XS_GET_PERMS, { handler: doGetPerms }],
  [XS_WRITE, { handler: doWrite }],
  [XS_MKDIR, { handler: doMkdir }],
  [XS_RM, { handler: doRm }],
  [XS_SET_PERMS, { handler: doSetPerms }],
  [XS_DIRECTORY_PART, { handler: doDirectoryPart }],
];
