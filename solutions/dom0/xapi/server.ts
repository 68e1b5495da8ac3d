// The Xen API server's portable core: an HTTP request in, a response out, for XML-RPC at / and
// JSON-RPC at /jsonrpc, each call answered in the Status/Value/ErrorDescription envelope (or as
// a JSON-RPC result or error): book §11.1; xapi's api_server (the envelope, the JSON-RPC
// endpoint), the API reference's error handling (a malformed request gets a fault).
// xenlab: file from 11
//
// No Node module here: the Node HTTP server (http.ts) and the site's page both hand this core
// requests. Nothing a client sends can throw out of handle(): malformed documents get a fault,
// failures of the call get the envelope, and a bug in a call gets INTERNAL_ERROR.

import type { Vms } from '../vms.ts';
import { EventLog } from './event.ts';
import { type CallContext, callMethod } from './methods.ts';
import { CONSOLE, Refs } from './objects.ts';
import { type Credentials, Sessions } from './session.ts';
import { type ApiValue, toJson, toXmlRpc, XapiFailure } from './values.ts';
import { decodeCall, encodeFault, encodeResponse, XmlRpcError } from './xmlrpc.ts';

export interface XapiRequest {
  method: string;
  /** The path and query, as in the request line ("/jsonrpc", "/console?ref=…"). */
  url: string;
  body: string;
}

export interface XapiResponse {
  status: number;
  contentType: string;
  body: string;
}

export interface XapiServerOptions {
  vms: Vms;
  credentials: Credentials;
  /** Milliseconds now, on the clock sessions expire by. */
  clock: () => number;
  /** Unguessable ids for session references (crypto in Node). */
  newSessionId: () => string;
  idleMs?: number;
  /** Where this server is reached, for console locations (http://127.0.0.1:PORT). */
  consoleBase?: string;
  /** The kernels VM.create may name in PV_kernel (the guests' images, by name). */
  kernels?: (name: string) => Uint8Array | undefined;
}

/** The paths XML-RPC is served at: xapi's /, and those other clients post to. */
const XMLRPC_PATHS = new Set(['/', '/RPC2', '/xmlrpc']);
/** JSON-RPC's error code for a failed call; the message is the failure's code. */
const JSONRPC_FAILURE = 1;

/** A call's outcome, whichever wire it came on. */
type Outcome = { ok: true; value: ApiValue; bare: boolean } | { ok: false; failure: XapiFailure };

export class XapiServer {
  readonly ctx: CallContext;

  constructor(options: XapiServerOptions) {
    const vms = options.vms;
    this.ctx = {
      vms,
      refs: new Refs(() => vms.nextUuid()),
      consoleBase: options.consoleBase ?? '',
      kernel: options.kernels ?? (() => undefined),
      sessions: new Sessions({
        credentials: options.credentials,
        clock: options.clock,
        idleMs: options.idleMs,
        newId: options.newSessionId,
      }),
      events: new EventLog(),
    };
    this.ctx.events.sync(this.ctx);
  }

  /** Runs one call: its value, or a failure; objects changed by it become events. */
  call(name: string, params: unknown[]): Outcome {
    const ctx = this.ctx;
    try {
      ctx.vms.reap();
      // What the guests changed since the last call becomes events before event.from reads them.
      if (name.startsWith('event.')) ctx.events.sync(ctx);
      const { value, bare } = callMethod(ctx, name, params);
      return { ok: true, value, bare };
    } catch (e) {
      if (e instanceof XapiFailure) return { ok: false, failure: e };
      const message = e instanceof Error ? e.message : String(e);
      return { ok: false, failure: new XapiFailure('INTERNAL_ERROR', [message]) };
    } finally {
      ctx.vms.reap();
      ctx.events.sync(ctx);
    }
  }

  handle(req: XapiRequest): XapiResponse {
    try {
      return this.route(req);
    } catch (e) {
      return text(500, `internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }

  private route(req: XapiRequest): XapiResponse {
    const [path = '', query = ''] = req.url.split('?', 2);
    if (path === '/console' && req.method === 'GET')
      return this.console(new URLSearchParams(query));
    const rpc = XMLRPC_PATHS.has(path) ? 'xml' : path === '/jsonrpc' ? 'json' : null;
    if (rpc === null)
      return text(404, `no such path ${path}: XML-RPC is at /, JSON-RPC at /jsonrpc\n`);
    if (req.method !== 'POST') return text(405, `${path} answers POST only\n`);
    return rpc === 'xml' ? this.xmlRpc(req.body) : this.jsonRpc(req.body);
  }

  private xmlRpc(body: string): XapiResponse {
    let call: ReturnType<typeof decodeCall>;
    try {
      call = decodeCall(body);
    } catch (e) {
      if (!(e instanceof XmlRpcError) && !(e instanceof RangeError)) throw e;
      return xml(encodeFault(-1, `Malformed request: ${e.message}`));
    }
    const outcome = this.call(call.methodName, call.params);
    if (!outcome.ok) {
      const { code, params } = outcome.failure;
      return xml(encodeResponse({ Status: 'Failure', ErrorDescription: [code, ...params] }));
    }
    const value = toXmlRpc(outcome.value);
    return xml(encodeResponse(outcome.bare ? value : { Status: 'Success', Value: value }));
  }

  private jsonRpc(body: string): XapiResponse {
    let request: unknown;
    try {
      request = JSON.parse(body);
    } catch (e) {
      return jsonError(null, '2.0', -32700, 'Parse error', [e instanceof Error ? e.message : '']);
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request))
      return jsonError(null, '2.0', -32600, 'Invalid Request', ['not a request object']);
    const r = request as Record<string, unknown>;
    const id = typeof r.id === 'string' || typeof r.id === 'number' ? r.id : null;
    const version = r.jsonrpc === '2.0' ? '2.0' : '1.0';
    const params = r.params ?? [];
    if (typeof r.method !== 'string' || !Array.isArray(params))
      return jsonError(id, version, -32600, 'Invalid Request', [
        'method must be a string, params an array',
      ]);
    const outcome = this.call(r.method, params);
    if (!outcome.ok) {
      const { code, params: details } = outcome.failure;
      return jsonError(id, version, JSONRPC_FAILURE, code, details);
    }
    const result = toJson(outcome.value);
    return json(version === '2.0' ? { jsonrpc: '2.0', result, id } : { result, error: null, id });
  }

  /** GET /console?ref=R&session_id=S: the console's text so far (its location in the API). */
  private console(query: URLSearchParams): XapiResponse {
    const outcome = this.call('console.get_VM', [query.get('session_id'), query.get('ref')]);
    if (!outcome.ok) return text(403, `${outcome.failure.message}\n`);
    const id = this.ctx.refs.resolve(this.ctx, CONSOLE, query.get('ref')!);
    const vm = this.ctx.vms.all.find((v) => v.uuid === id)!;
    return text(200, this.ctx.vms.console(vm));
  }
}

function text(status: number, body: string): XapiResponse {
  return { status, contentType: 'text/plain; charset=utf-8', body };
}

function xml(body: string): XapiResponse {
  return { status: 200, contentType: 'text/xml', body };
}

function json(body: unknown): XapiResponse {
  return { status: 200, contentType: 'application/json', body: JSON.stringify(body) };
}

function jsonError(
  id: unknown,
  version: string,
  code: number,
  message: string,
  data: string[],
): XapiResponse {
  const error = { code, message, data };
  return json(version === '2.0' ? { jsonrpc: '2.0', error, id } : { result: null, error, id });
}
