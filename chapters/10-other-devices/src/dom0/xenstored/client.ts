// Your working copy for chapter 10, generated from solutions/dom0/xenstored/client.ts by npx xenlab stage.
// A client of xenstored inside domain 0, as the toolstack uses it: libxenstore's calls over an
// in-process connection: book §8.2; Xen tools/libs/store/xs.c (xs_read, xs_write, xs_watch, …).
//
// It speaks xs_wire as any client does — it builds request messages and parses replies — only
// the bytes go straight to xenstored instead of through a socket, so domain 0's toolstack and
// the book's pages can use the store without Node.

import type { Connection, Transport } from './connection.ts';
import {
  bytesOf,
  encodeMessage,
  MessageReader,
  splitStrings,
  stringOf,
  strings,
  XS_DIRECTORY,
  XS_ERROR,
  XS_GET_PERMS,
  XS_INTRODUCE,
  XS_MKDIR,
  XS_READ,
  XS_RELEASE,
  XS_RM,
  XS_SET_PERMS,
  XS_TRANSACTION_END,
  XS_TRANSACTION_START,
  XS_UNWATCH,
  XS_WATCH,
  XS_WATCH_EVENT,
  XS_WRITE,
  type XsMessage,
} from './wire.ts';
import type { Xenstored } from './xenstored.ts';

/** An error reply: `errno` is its name ("ENOENT"). */
export class XsReplyError extends Error {
  readonly errno: string;

  constructor(op: string, path: string, errno: string) {
    super(`xenstore ${op} ${path}: ${errno}`);
    this.errno = errno;
  }
}

export class XsClient {
  readonly xs: Xenstored;
  readonly conn: Connection;
  private readonly reader = new MessageReader();
  private readonly replies: XsMessage[] = [];
  /** Watch events received and not yet taken. */
  readonly events: { path: string; token: string }[] = [];
  private nextReqId = 1;

  /** A connection of domain `domid` (0: the toolstack, privileged). */
  constructor(xs: Xenstored, domid = 0) {
    this.xs = xs;
    const transport: Transport = {
      send: (bytes) => {
        for (const m of this.reader.feed(bytes)) {
          if (m.type === XS_WATCH_EVENT) {
            const [path = '', token = ''] = splitStrings(m.payload);
            this.events.push({ path, token });
          } else this.replies.push(m);
        }
      },
      backlog: () => 0,
      close: () => {},
    };
    this.conn = xs.connect(domid, transport);
  }

  /** Sends one request and returns its reply's payload; an error reply throws XsReplyError. */
  request(type: number, payload: Uint8Array, txId = 0, what = ''): Uint8Array {
    const reqId = this.nextReqId++;
    this.xs.receive(this.conn, encodeMessage({ type, reqId, txId, payload }));
    const reply = this.replies.shift();
    if (reply === undefined || reply.reqId !== reqId) throw new Error('xenstored did not reply');
    if (reply.type === XS_ERROR) {
      throw new XsReplyError(what, '', splitStrings(reply.payload)[0] ?? '');
    }
    return reply.payload;
  }

  private call(type: number, name: string, args: string[], txId: number): Uint8Array {
    try {
      return this.request(type, strings(...args), txId);
    } catch (e) {
      if (e instanceof XsReplyError) throw new XsReplyError(name, args[0] ?? '', e.errno);
      throw e;
    }
  }

  read(path: string, txId = 0): string {
    return stringOf(this.call(XS_READ, 'read', [path], txId));
  }

  /** The value at `path`, or undefined when it does not exist. */
  tryRead(path: string, txId = 0): string | undefined {
    try {
      return this.read(path, txId);
    } catch (e) {
      if (e instanceof XsReplyError && e.errno === 'ENOENT') return undefined;
      throw e;
    }
  }

  write(path: string, value: string, txId = 0): void {
    const payload = new Uint8Array([...strings(path), ...bytesOf(value)]);
    try {
      this.request(XS_WRITE, payload, txId);
    } catch (e) {
      if (e instanceof XsReplyError) throw new XsReplyError('write', path, e.errno);
      throw e;
    }
  }

  mkdir(path: string, txId = 0): void {
    this.call(XS_MKDIR, 'mkdir', [path], txId);
  }

  rm(path: string, txId = 0): void {
    this.call(XS_RM, 'rm', [path], txId);
  }

  directory(path: string, txId = 0): string[] {
    return splitStrings(this.call(XS_DIRECTORY, 'directory', [path], txId));
  }

  getPerms(path: string, txId = 0): string[] {
    return splitStrings(this.call(XS_GET_PERMS, 'get_perms', [path], txId));
  }

  /** Permissions as text, owner first: ["n0", "r3"]. */
  setPerms(path: string, perms: string[], txId = 0): void {
    this.call(XS_SET_PERMS, 'set_perms', [path, ...perms], txId);
  }

  watch(path: string, token: string): void {
    this.call(XS_WATCH, 'watch', [path, token], 0);
  }

  unwatch(path: string, token: string): void {
    this.call(XS_UNWATCH, 'unwatch', [path, token], 0);
  }

  transactionStart(): number {
    return Number(splitStrings(this.call(XS_TRANSACTION_START, 'transaction_start', [''], 0))[0]);
  }

  /** Commits (or with `commit` false, drops) a transaction; false when it must be retried. */
  transactionEnd(txId: number, commit = true): boolean {
    try {
      this.call(XS_TRANSACTION_END, 'transaction_end', [commit ? 'T' : 'F'], txId);
      return true;
    } catch (e) {
      if (e instanceof XsReplyError && e.errno === 'EAGAIN') return false;
      throw e;
    }
  }

  introduce(domid: number, mfn: number, port: number): void {
    this.call(XS_INTRODUCE, 'introduce', [String(domid), String(mfn), String(port)], 0);
  }

  release(domid: number): void {
    this.call(XS_RELEASE, 'release', [String(domid)], 0);
  }

  /** Takes the watch events received so far. */
  takeEvents(): { path: string; token: string }[] {
    return this.events.splice(0);
  }
}
