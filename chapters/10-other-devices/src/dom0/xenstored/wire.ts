// Your working copy for chapter 10, generated from solutions/dom0/xenstored/wire.ts by npx xenlab stage.
// The xs_wire protocol: message types, the header, error strings and framing: book §8.2; Xen
// public/io/xs_wire.h, docs/misc/xenstore.txt.
//
// Every message, on a guest's ring or a Unix socket alike, is a 16-byte header — type, req_id,
// tx_id, len, little-endian u32s — then `len` bytes of payload, at most XENSTORE_PAYLOAD_MAX.
// A payload is usually NUL-terminated strings. A reply carries the request's type (or XS_ERROR),
// req_id and tx_id; an error reply's payload is the errno's name, "ENOENT\0".

/** enum xsd_sockmsg_type: the index is the type's number. */
export const XS_CONTROL = 0;
export const XS_DIRECTORY = 1;
export const XS_READ = 2;
export const XS_GET_PERMS = 3;
export const XS_WATCH = 4;
export const XS_UNWATCH = 5;
export const XS_TRANSACTION_START = 6;
export const XS_TRANSACTION_END = 7;
export const XS_INTRODUCE = 8;
export const XS_RELEASE = 9;
export const XS_GET_DOMAIN_PATH = 10;
export const XS_WRITE = 11;
export const XS_MKDIR = 12;
export const XS_RM = 13;
export const XS_SET_PERMS = 14;
export const XS_WATCH_EVENT = 15;
export const XS_ERROR = 16;
export const XS_IS_DOMAIN_INTRODUCED = 17;
export const XS_RESUME = 18;
export const XS_SET_TARGET = 19;
/** Retired: a server answers ENOSYS. */
export const XS_RESTRICT = 20;
export const XS_RESET_WATCHES = 21;
export const XS_DIRECTORY_PART = 22;
/** Guaranteed never to be a valid type. */
export const XS_INVALID = 0xffff;

/** Type names as xenstored's traces print them; XS_DEBUG is the old name of XS_CONTROL. */
export const XS_TYPE_NAMES: readonly string[] = [
  'CONTROL',
  'DIRECTORY',
  'READ',
  'GET_PERMS',
  'WATCH',
  'UNWATCH',
  'TRANSACTION_START',
  'TRANSACTION_END',
  'INTRODUCE',
  'RELEASE',
  'GET_DOMAIN_PATH',
  'WRITE',
  'MKDIR',
  'RM',
  'SET_PERMS',
  'WATCH_EVENT',
  'ERROR',
  'IS_DOMAIN_INTRODUCED',
  'RESUME',
  'SET_TARGET',
  'RESTRICT',
  'RESET_WATCHES',
  'DIRECTORY_PART',
];

/** Bytes of the header, struct xsd_sockmsg. */
export const XS_HEADER_SIZE = 16;
/** The most payload one message may carry; a longer one breaks the connection. */
export const XENSTORE_PAYLOAD_MAX = 4096;
/** Longest absolute path, and longest path below a domain's home (/local/domain/N/). */
export const XENSTORE_ABS_PATH_MAX = 3072;
export const XENSTORE_REL_PATH_MAX = 2048;

/**
 * struct xsd_errors: the only errors the protocol carries, by name (EPERM since Xen 4.16).
 * xenstored sends any other errno as EINVAL, the table's first entry.
 */
export const XSD_ERRORS = [
  'EINVAL',
  'EACCES',
  'EEXIST',
  'EISDIR',
  'ENOENT',
  'ENOMEM',
  'ENOSPC',
  'EIO',
  'ENOTEMPTY',
  'ENOSYS',
  'EROFS',
  'EBUSY',
  'EAGAIN',
  'EISCONN',
  'E2BIG',
  'EPERM',
] as const;

/** An error xenstored can reply with. */
export type XsError = (typeof XSD_ERRORS)[number];

/** struct xsd_sockmsg and its payload. */
export interface XsMessage {
  type: number;
  reqId: number;
  txId: number;
  payload: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('latin1');

/** A string as the bytes it travels as (paths are ASCII; values are bytes). */
export function bytesOf(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Bytes as a string, one character per byte. */
export function stringOf(b: Uint8Array): string {
  return decoder.decode(b);
}

/** The payload of NUL-terminated `strings`: "a\0b\0". */
export function strings(...parts: string[]): Uint8Array {
  return bytesOf(parts.map((p) => `${p}\0`).join(''));
}

/** Header and payload as one buffer, ready to send. */
export function encodeMessage(m: XsMessage): Uint8Array {
  const out = new Uint8Array(XS_HEADER_SIZE + m.payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, m.type >>> 0, true);
  v.setUint32(4, m.reqId >>> 0, true);
  v.setUint32(8, m.txId >>> 0, true);
  v.setUint32(12, m.payload.length, true);
  out.set(m.payload, XS_HEADER_SIZE);
  return out;
}

/**
 * The NUL-terminated strings at the start of a payload (get_strings): bytes after the last NUL
 * are not a string and are left out.
 */
export function splitStrings(payload: Uint8Array): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < payload.length; i++) {
    if (payload[i] === 0) {
      out.push(stringOf(payload.subarray(start, i)));
      start = i + 1;
    }
  }
  return out;
}

/** The payload's one argument: exactly one NUL, at the end (onearg); else undefined. */
export function oneArg(payload: Uint8Array): string | undefined {
  const nul = payload.indexOf(0);
  if (payload.length === 0 || nul !== payload.length - 1) return undefined;
  return stringOf(payload.subarray(0, nul));
}

/**
 * Cuts a byte stream into messages (handle_input): bytes come in pieces of any size; each
 * complete message is handed on. A header announcing more than XENSTORE_PAYLOAD_MAX is a
 * protocol error: the stream cannot be resynchronised, so the reader stops for good.
 */
export class MessageReader {
  private header = new Uint8Array(XS_HEADER_SIZE);
  private headerUsed = 0;
  private payload: Uint8Array | undefined;
  private payloadUsed = 0;
  /** Set once the stream broke the protocol; nothing more is read. */
  broken = false;

  /** Feeds `bytes`; returns the messages they complete, in order. */
  feed(bytes: Uint8Array): XsMessage[] {
    const out: XsMessage[] = [];
    let at = 0;
    while (at < bytes.length && !this.broken) {
      if (this.payload === undefined) {
        const n = Math.min(XS_HEADER_SIZE - this.headerUsed, bytes.length - at);
        this.header.set(bytes.subarray(at, at + n), this.headerUsed);
        this.headerUsed += n;
        at += n;
        if (this.headerUsed < XS_HEADER_SIZE) break;
        const len = new DataView(this.header.buffer).getUint32(12, true);
        if (len > XENSTORE_PAYLOAD_MAX) {
          this.broken = true;
          break;
        }
        this.payload = new Uint8Array(len);
        this.payloadUsed = 0;
      }
      const n = Math.min(this.payload.length - this.payloadUsed, bytes.length - at);
      this.payload.set(bytes.subarray(at, at + n), this.payloadUsed);
      this.payloadUsed += n;
      at += n;
      if (this.payloadUsed === this.payload.length) {
        const v = new DataView(this.header.buffer);
        out.push({
          type: v.getUint32(0, true),
          reqId: v.getUint32(4, true),
          txId: v.getUint32(8, true),
          payload: this.payload,
        });
        this.payload = undefined;
        this.headerUsed = 0;
      }
    }
    return out;
  }
}
