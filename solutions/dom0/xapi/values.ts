// The Xen API's values and failures, and how each wire format carries them: book §11.1;
// xapi's data model (ocaml/idl/datamodel_errors.ml for the error codes and their parameters).
// xenlab: file from 11
//
// The API's types are string, int (64-bit), float, bool, datetime, enums (strings), refs
// (strings "OpaqueRef:…"), sets (arrays) and maps (structs). Ints are bigints here because
// XML-RPC carries them as strings (its <int> has 32 bits) and JSON as numbers.

import { XmlRpcDateTime, type XmlRpcValue } from './xmlrpc.ts';

export type ApiValue = string | number | bigint | boolean | ApiDateTime | ApiValue[] | ApiMap;

export interface ApiMap {
  [key: string]: ApiValue;
}

/** A datetime: seconds since 1970, shown as the API shows it (19700101T00:00:00Z). */
export class ApiDateTime {
  readonly seconds: number;
  constructor(seconds: number) {
    this.seconds = seconds;
  }

  toString(): string {
    const iso = new Date(Math.floor(this.seconds) * 1000).toISOString();
    return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 19)}Z`;
  }
}

/** The reference that refers to nothing. */
export const NULL_REF = 'OpaqueRef:NULL';

/**
 * A call that failed as the API defines failures: a code and its parameters, which the
 * envelope's ErrorDescription carries as [code, ...params].
 */
export class XapiFailure extends Error {
  readonly code: string;
  readonly params: string[];

  constructor(code: string, params: string[] = []) {
    super(`${code}(${params.join(', ')})`);
    this.code = code;
    this.params = params;
  }
}

/** The value as XML-RPC carries it: ints as decimal strings, datetimes as dateTime.iso8601. */
export function toXmlRpc(v: ApiValue): XmlRpcValue {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof ApiDateTime) return new XmlRpcDateTime(v.toString());
  if (Array.isArray(v)) return v.map(toXmlRpc);
  if (typeof v === 'object') {
    const out: Record<string, XmlRpcValue> = Object.create(null);
    for (const k of Object.keys(v)) out[k] = toXmlRpc(v[k]!);
    return out;
  }
  return v;
}

/** The value as JSON-RPC carries it: ints as numbers, datetimes as strings. */
export function toJson(v: ApiValue): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof ApiDateTime) return v.toString();
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = Object.create(null);
    for (const k of Object.keys(v)) out[k] = toJson(v[k]!);
    return out;
  }
  return v;
}
