// XML-RPC, the Xen API's first wire format: values, method calls and responses: book §11.1;
// the XML-RPC specification (xmlrpc.com/spec), as the Xen API uses it (docs/xen-api.md).
// xenlab: file from 11
//
// A value is one of six scalars (string, int, boolean, double, dateTime.iso8601, base64) or a
// struct (named members) or an array. A bare <value>text</value> is a string. The parser below
// reads only that language: elements without attributes, text, the five named entities and
// character references, an optional <?xml …?> prolog and comments; everything else is an
// error, never a guess. It keeps limits on depth and size, so hostile input costs little.

/** A decoded value. Structs have no prototype, so a member named "__proto__" is only data. */
export type XmlRpcValue =
  | string
  | number
  | boolean
  | null
  | Uint8Array
  | XmlRpcDateTime
  | XmlRpcValue[]
  | XmlRpcStruct;

export interface XmlRpcStruct {
  [name: string]: XmlRpcValue;
}

/** A dateTime.iso8601 value, kept as written (the Xen API writes 19700101T00:00:00Z). */
export class XmlRpcDateTime {
  readonly iso: string;
  constructor(iso: string) {
    this.iso = iso;
  }
}

/** Input that is not XML-RPC: what was expected, and what came instead. */
export class XmlRpcError extends Error {
  readonly expected: string;
  readonly received: string;

  constructor(expected: string, received: string) {
    super(`XML-RPC: expected ${expected}, received ${received}`);
    this.expected = expected;
    this.received = received;
  }
}

export interface MethodCall {
  methodName: string;
  params: XmlRpcValue[];
}

/** Nesting deeper than this is refused (a value of arrays in arrays cannot exhaust the stack). */
export const MAX_DEPTH = 64;

// xenlab: region xmlrpc-encode from 11
const ESCAPES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };

function escapeText(s: string): string {
  return s.replace(/[<>&]/g, (c) => ESCAPES[c]!);
}

function base64Of(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** `<value>…</value>` for `v`: integers in int's 32 bits as <int>, other numbers as <double>. */
export function encodeValue(v: XmlRpcValue): string {
  // xenlab: exercise 11-xmlrpc-encode
  if (typeof v === 'string') return `<value>${escapeText(v)}</value>`;
  if (typeof v === 'boolean') return `<value><boolean>${v ? 1 : 0}</boolean></value>`;
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -0x8000_0000 && v <= 0x7fff_ffff)
      return `<value><int>${v}</int></value>`;
    if (!Number.isFinite(v)) throw new RangeError(`XML-RPC has no double for ${v}`);
    return `<value><double>${v}</double></value>`;
  }
  if (v === null) return '<value><nil/></value>';
  if (v instanceof Uint8Array) return `<value><base64>${base64Of(v)}</base64></value>`;
  if (v instanceof XmlRpcDateTime)
    return `<value><dateTime.iso8601>${escapeText(v.iso)}</dateTime.iso8601></value>`;
  if (Array.isArray(v))
    return `<value><array><data>${v.map(encodeValue).join('')}</data></array></value>`;
  const members = Object.keys(v).map(
    (name) => `<member><name>${escapeText(name)}</name>${encodeValue(v[name]!)}</member>`,
  );
  return `<value><struct>${members.join('')}</struct></value>`;
  // xenlab: end 11-xmlrpc-encode
}

/**
 * A methodResponse carrying `value`, with nothing between the declaration and the element (as
 * xapi writes it; npm's xen-api parser fails on a newline there).
 */
export function encodeResponse(value: XmlRpcValue): string {
  return `<?xml version="1.0"?><methodResponse><params><param>${encodeValue(value)}</param></params></methodResponse>`;
}

/** A methodCall, as a client sends one. */
export function encodeCall(call: MethodCall): string {
  const params = call.params.map((p) => `<param>${encodeValue(p)}</param>`).join('');
  return `<?xml version="1.0"?>\n<methodCall><methodName>${escapeText(call.methodName)}</methodName><params>${params}</params></methodCall>\n`;
}

/** An XML-RPC fault response (the protocol's own; the Xen API answers with its envelope). */
export function encodeFault(code: number, message: string): string {
  const fault = encodeValue({ faultCode: code, faultString: message });
  return `<?xml version="1.0"?><methodResponse><fault>${fault}</fault></methodResponse>`;
}
// xenlab: end xmlrpc-encode

// xenlab: region xmlrpc-parse from 11
/** An element of the parsed document: its name, child elements, and its text. */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  /** The element's own text (between its children), entities decoded. */
  text: string;
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(raw: string): string {
  return raw.replace(/&([^;&]{0,10});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new XmlRpcError('an entity ending in ;', quote(whole));
    if (name in NAMED_ENTITIES) return NAMED_ENTITIES[name]!;
    const m = /^#(x[0-9a-fA-F]{1,6}|[0-9]{1,7})$/.exec(name);
    if (m === null) throw new XmlRpcError('a known entity', quote(whole));
    const code = m[1]!.startsWith('x') ? Number.parseInt(m[1]!.slice(1), 16) : Number(m[1]);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) || code === 0)
      throw new XmlRpcError('a character reference to a character', quote(whole));
    return String.fromCodePoint(code);
  });
}

function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

/** Parses an XML document of elements and text (the subset XML-RPC uses) into its root. */
export function parseXml(text: string): XmlElement {
  let i = 0;
  const skipMisc = () => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (text.startsWith('<?', i)) {
        const end = text.indexOf('?>', i);
        if (end < 0) throw new XmlRpcError('?> closing the declaration', 'the end');
        i = end + 2;
      } else if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i);
        if (end < 0) throw new XmlRpcError('--> closing the comment', 'the end');
        i = end + 3;
      } else return;
    }
  };
  const parseElement = (depth: number): XmlElement => {
    if (depth > MAX_DEPTH) throw new XmlRpcError(`at most ${MAX_DEPTH} nested elements`, 'more');
    const open = /^<([A-Za-z_][\w.-]*)\s*(\/?)>/.exec(text.slice(i, i + 80));
    if (open === null) throw new XmlRpcError('an element without attributes', quote(text.slice(i)));
    i += open[0].length;
    const element: XmlElement = { name: open[1]!, children: [], text: '' };
    if (open[2] === '/') return element;
    for (;;) {
      const lt = text.indexOf('<', i);
      if (lt < 0) throw new XmlRpcError(`</${element.name}>`, 'the end');
      element.text += decodeEntities(text.slice(i, lt));
      i = lt;
      if (text.startsWith('<!--', i)) {
        skipMisc();
        continue;
      }
      if (text.startsWith('</', i)) {
        const close = `</${element.name}`;
        if (!text.startsWith(close, i)) throw new XmlRpcError(`${close}>`, quote(text.slice(i)));
        i += close.length;
        while (i < text.length && /\s/.test(text[i]!)) i++;
        if (text[i] !== '>') throw new XmlRpcError(`${close}>`, quote(text.slice(i)));
        i++;
        return element;
      }
      element.children.push(parseElement(depth + 1));
    }
  };
  skipMisc();
  const root = parseElement(0);
  skipMisc();
  if (i !== text.length) throw new XmlRpcError('the end of the document', quote(text.slice(i)));
  return root;
}

function only(e: XmlElement, name: string): XmlElement {
  if (e.children.length !== 1 || e.children[0]!.name !== name || e.text.trim() !== '')
    throw new XmlRpcError(`<${e.name}> holding one <${name}>`, describe(e));
  return e.children[0]!;
}

function describe(e: XmlElement): string {
  const inside = e.children.map((c) => `<${c.name}>`).join('');
  return `<${e.name}>${inside || quote(e.text)}</${e.name}>`;
}

function noChildren(e: XmlElement): string {
  if (e.children.length > 0) throw new XmlRpcError(`text in <${e.name}>`, describe(e));
  return e.text;
}

function decodeInt(e: XmlElement): number {
  const s = noChildren(e).trim();
  if (!/^[+-]?\d{1,19}$/.test(s)) throw new XmlRpcError(`an integer in <${e.name}>`, quote(s));
  const n = Number(s);
  const bits = e.name === 'i8' ? 2 ** 63 : 2 ** 31;
  if (n < -bits || n >= bits || !Number.isSafeInteger(n))
    throw new XmlRpcError(`an integer that fits <${e.name}>`, quote(s));
  return n;
}

function decodeBase64(e: XmlElement): Uint8Array {
  const s = noChildren(e).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0)
    throw new XmlRpcError('base64 text', quote(s));
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

/** The value a <value> element holds. */
export function decodeValue(e: XmlElement): XmlRpcValue {
  // xenlab: exercise 11-xmlrpc-decode
  if (e.name !== 'value') throw new XmlRpcError('<value>', `<${e.name}>`);
  if (e.children.length === 0) return e.text;
  const typed = only(e, e.children[0]!.name);
  switch (typed.name) {
    case 'string':
      return noChildren(typed);
    case 'int':
    case 'i4':
    case 'i8':
      return decodeInt(typed);
    case 'boolean': {
      const s = noChildren(typed).trim();
      if (s !== '0' && s !== '1') throw new XmlRpcError('0 or 1 in <boolean>', quote(s));
      return s === '1';
    }
    case 'double': {
      const s = noChildren(typed).trim();
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s))
        throw new XmlRpcError('a number in <double>', quote(s));
      return Number(s);
    }
    case 'dateTime.iso8601':
      return new XmlRpcDateTime(noChildren(typed).trim());
    case 'base64':
      return decodeBase64(typed);
    case 'nil':
      noChildren(typed);
      return null;
    case 'array':
      return only(typed, 'data').children.map(decodeValue);
    case 'struct': {
      const struct: XmlRpcStruct = Object.create(null);
      for (const member of typed.children) {
        const [name, value] = member.children;
        if (member.name !== 'member' || member.children.length !== 2 || name?.name !== 'name')
          throw new XmlRpcError('<member> holding <name> then <value>', describe(member));
        struct[noChildren(name)] = decodeValue(value!);
      }
      return struct;
    }
    default:
      throw new XmlRpcError('an XML-RPC type', `<${typed.name}>`);
  }
  // xenlab: end 11-xmlrpc-decode
}

/** Parses a methodCall document. Throws XmlRpcError for anything else. */
export function decodeCall(text: string): MethodCall {
  const root = parseXml(text);
  if (root.name !== 'methodCall') throw new XmlRpcError('<methodCall>', `<${root.name}>`);
  const [name, params, ...rest] = root.children;
  if (
    name?.name !== 'methodName' ||
    rest.length > 0 ||
    (params !== undefined && params.name !== 'params')
  )
    throw new XmlRpcError('<methodName> then <params>', describe(root));
  const methodName = noChildren(name).trim();
  if (methodName === '') throw new XmlRpcError('a method name', 'none');
  return {
    methodName,
    params: (params?.children ?? []).map((p) => {
      if (p.name !== 'param') throw new XmlRpcError('<param>', `<${p.name}>`);
      return decodeValue(only(p, 'value'));
    }),
  };
}

/** Parses a methodResponse: its value, or the fault's struct as an Error. */
export function decodeResponse(text: string): XmlRpcValue {
  const root = parseXml(text);
  if (root.name !== 'methodResponse') throw new XmlRpcError('<methodResponse>', `<${root.name}>`);
  const body = root.children[0];
  if (body?.name === 'fault') {
    const fault = decodeValue(only(body, 'value'));
    throw new Error(`XML-RPC fault: ${JSON.stringify(fault)}`);
  }
  if (body === undefined || body.name !== 'params')
    throw new XmlRpcError('<params>', describe(root));
  return decodeValue(only(only(body, 'param'), 'value'));
}
// xenlab: end xmlrpc-parse
