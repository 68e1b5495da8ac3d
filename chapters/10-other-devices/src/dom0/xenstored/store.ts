// Your working copy for chapter 10, generated from solutions/dom0/xenstored/store.ts by npx xenlab stage.
// The store: a tree of nodes, each with a value, children and permissions: book §8.1, §8.3; Xen
// tools/xenstored/core.c (struct node, canonicalize, construct_node), docs/misc/xenstore.txt.
//
// A node is named by its path ("/local/domain/3/name"). It holds a value (bytes, often empty),
// the names of its children in the order they were made, its permission list and a generation:
// the store's count of changes when the node last changed, which is how a transaction notices
// that someone else changed what it read. "@introduceDomain" and "@releaseDomain" are nodes
// too, outside the tree: they exist only to carry the permissions of those watches.
//
// Code never changes a node in place: it puts a changed copy, so a transaction (transaction.ts)
// can keep its own copies beside the store's.

import type { XsPermission } from './permissions.ts';

export interface XsNode {
  readonly path: string;
  readonly value: Uint8Array;
  readonly children: readonly string[];
  readonly perms: readonly XsPermission[];
  /** The store's generation when the node last changed. */
  readonly generation: number;
}

/** The generation of a node that does not exist. */
export const NO_GENERATION = -1;

/** Where nodes are read and changed: the store itself, or a transaction's view of it. */
export interface NodeView {
  get(path: string): XsNode | undefined;
  /** Stores `node` (a new or changed node) under its path. */
  put(node: XsNode): void;
  remove(path: string): void;
  /** Every node, special ones included. */
  nodes(): Iterable<XsNode>;
}

/** The store as xenstored starts it: "/", "/tool/xenstored" and the two special nodes. */
export class Store implements NodeView {
  private readonly map = new Map<string, XsNode>();
  /** Changes so far; the next change gets this generation. */
  generation = 0;

  constructor() {
    const dom0None: XsPermission[] = [{ id: 0, perms: 0 }];
    for (const path of ['/', '/tool', '/tool/xenstored', '@releaseDomain', '@introduceDomain']) {
      this.put(newNode(path, dom0None));
    }
    this.put({ ...this.get('/')!, children: ['tool'] });
    this.put({ ...this.get('/tool')!, children: ['xenstored'] });
  }

  get(path: string): XsNode | undefined {
    return this.map.get(path);
  }

  put(node: XsNode): void {
    this.map.set(node.path, { ...node, generation: this.generation++ });
  }

  remove(path: string): void {
    this.map.delete(path);
  }

  nodes(): Iterable<XsNode> {
    return this.map.values();
  }
}

export function newNode(path: string, perms: readonly XsPermission[]): XsNode {
  return { path, value: new Uint8Array(0), children: [], perms, generation: NO_GENERATION };
}

/** Characters a path may hold (valid_chars). */
const VALID_PATH = /^[A-Za-z0-9\-/_@]*$/;

/** A domain's home, where its relative paths start. */
export function domainPath(domid: number): string {
  return `/local/domain/${domid}`;
}

/** The parent of a path that is not "/" (get_parent). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

/** The last component of a path that is not "/". */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `child` is `parent` or lies below it (is_child); everything lies below "/". */
export function isChild(child: string, parent: string): boolean {
  if (parent === '/') return true;
  return (
    child.startsWith(parent) && (child.length === parent.length || child[parent.length] === '/')
  );
}

/** Limits canonicalize() applies: how long a path may be. */
export interface PathLimits {
  /** Longest path below /local/domain/N/ (XENSTORE_REL_PATH_MAX for a guest). */
  relative: number;
  /** Longest absolute path. */
  absolute: number;
}

/**
 * The absolute path `name` means for domain `domid` (canonicalize), or undefined when it is not
 * a valid path: a bad character, "@" where no special node may be, a trailing or double slash,
 * or too long. A path not starting with "/" or "@" is relative to the domain's home.
 */
export function canonicalize(
  name: string,
  domid: number,
  allowSpecial: boolean,
  limits: PathLimits,
): string | undefined {
  if (!VALID_PATH.test(name) || (name.startsWith('@') && !allowSpecial)) return undefined;
  const path = name.startsWith('/') || name.startsWith('@') ? name : `${domainPath(domid)}/${name}`;
  if ((path.endsWith('/') && path !== '/') || path.includes('//')) return undefined;
  const local = /^\/local\/domain\/[0-9]{1,5}\//.exec(path);
  const below = path.length - (local === null ? 0 : local[0].length);
  if (below > limits.relative || path.length > limits.absolute) return undefined;
  return path;
}

/** The nodes at and below `path`, children before their parent (the order rm fires watches). */
export function subtree(view: NodeView, path: string): XsNode[] {
  const node = view.get(path);
  if (node === undefined) return [];
  const out: XsNode[] = [];
  for (const child of node.children) {
    out.push(...subtree(view, childPath(path, child)));
  }
  out.push(node);
  return out;
}

/** The path of child `name` of `path`. */
export function childPath(path: string, name: string): string {
  return path === '/' ? `/${name}` : `${path}/${name}`;
}

/** Bytes a node takes (calc_node_acc_size): header, permissions, value and child names. */
export function nodeSize(node: XsNode): number {
  const childBytes = node.children.reduce((n, c) => n + c.length + 1, 0);
  return 16 + node.perms.length * 8 + node.value.length + childBytes;
}

/** A stable text dump of every node (tests compare stores with it). */
export function dumpStore(view: NodeView): string {
  return [...view.nodes()]
    .map((n) => {
      const perms = n.perms.map((p) => `${p.perms}:${p.id}`).join(',');
      return `${n.path} [${perms}] {${n.children.join(',')}} ${[...n.value].join('.')}`;
    })
    .sort()
    .join('\n');
}
