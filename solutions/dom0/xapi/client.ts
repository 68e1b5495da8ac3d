// A Xen API client: log in, call, unwrap the envelope; and the book's first client program, the
// list of running VMs: book §11.7; xapi's client libraries (XenAPI.py's Session, the SDKs).
// xenlab: file from 11
//
// It speaks XML-RPC through a transport the caller gives it (fetch in Node or a browser, or the
// portable server directly), so the same client drives a remote server and the in-page one.

import { XapiFailure } from './values.ts';
import { decodeResponse, encodeCall, type XmlRpcStruct, type XmlRpcValue } from './xmlrpc.ts';

/** Sends an XML-RPC document, resolves with the response document. */
export type Transport = (body: string) => Promise<string>;

/** A transport over HTTP to `url` (http://127.0.0.1:PORT/); a call that takes over `timeoutMs` fails. */
export function httpTransport(url: string, timeoutMs = 60_000): Transport {
  return async (body) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
    return res.text();
  };
}

export class XapiClient {
  private readonly transport: Transport;
  /** The session reference, once logged in. */
  session = '';

  constructor(transport: Transport) {
    this.transport = transport;
  }

  /** Calls `method` with `params` as given (no session added): the Value, or an XapiFailure. */
  async rawCall(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> {
    const answer = decodeResponse(await this.transport(encodeCall({ methodName: method, params })));
    const envelope = answer as XmlRpcStruct;
    if (envelope.Status === 'Success') return envelope.Value!;
    if (envelope.Status === 'Failure') {
      const [code = 'UNKNOWN', ...rest] = (envelope.ErrorDescription as string[] | undefined) ?? [];
      throw new XapiFailure(code, rest.map(String));
    }
    throw new Error(`${method}: the answer has no Status: ${JSON.stringify(answer)}`);
  }

  async login(username: string, password: string): Promise<void> {
    this.session = (await this.rawCall(
      'session.login_with_password',
      username,
      password,
    )) as string;
  }

  /** Calls `method` in the session: the session reference goes first. */
  call(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> {
    return this.rawCall(method, this.session, ...params);
  }

  async logout(): Promise<void> {
    await this.call('session.logout');
    this.session = '';
  }
}

/** A running VM as the book's program prints it. */
export interface RunningVm {
  name: string;
  uuid: string;
  domid: number;
  memoryMiB: number;
}

// xenlab: region list-running-vms from 11
/**
 * The VMs that are running, as a client finds them: every VM's record at once, the control
 * domain and templates left out, sorted by domain id.
 */
export async function listRunningVms(client: XapiClient): Promise<RunningVm[]> {
  // xenlab: exercise 11-list-running
  const records = (await client.call('VM.get_all_records')) as Record<string, XmlRpcStruct>;
  return Object.values(records)
    .filter(
      (r) =>
        r.power_state === 'Running' && r.is_control_domain === false && r.is_a_template === false,
    )
    .map((r) => ({
      name: r.name_label as string,
      uuid: r.uuid as string,
      domid: Number(r.domid),
      memoryMiB: Number(r.memory_static_max) / (1 << 20),
    }))
    .sort((a, b) => a.domid - b.domid);
  // xenlab: end 11-list-running
}
// xenlab: end list-running-vms
