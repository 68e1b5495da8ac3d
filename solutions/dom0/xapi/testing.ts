// What the Xen API's tests share: a machine with a few VMs behind a server on a counted clock,
// and a client that speaks each wire format to the portable core. Test support, not staged.

import { PhysMemory } from '../../../sim/host.ts';
import { minimalKernel } from '../../xen/testing/boot.ts';
import { Xen } from '../../xen/xen.ts';
import { Toolstack } from '../toolstack.ts';
import { type VmConfig, Vms } from '../vms.ts';
import { XapiServer } from './server.ts';
import { decodeResponse, encodeCall, type XmlRpcValue } from './xmlrpc.ts';

export const CREDENTIALS = { username: 'root', password: 'xenlab' };
/** A kernel that spins forever: it never shuts down unless destroyed. */
export const SPIN = minimalKernel([0xeb, 0xfe]);

export function vmConfig(name: string, image: Uint8Array = SPIN): VmConfig {
  return { name, kernel: name, image, memoryMiB: 16, vcpus: 1, cmdline: '' };
}

/** A machine with the VMs of `configs` defined (Halted), a server for it, and its clock. */
export function testServer(configs: VmConfig[] = [vmConfig('spin')], idleMs?: number) {
  const vms = new Vms(new Toolstack(new Xen(new PhysMemory(128 << 20))));
  for (const c of configs) vms.define(c);
  const clock = { now: 0 };
  let sessions = 0;
  const server = new XapiServer({
    vms,
    credentials: CREDENTIALS,
    clock: () => clock.now,
    newSessionId: () => `session-${++sessions}`,
    idleMs,
    consoleBase: 'http://xenlab',
  });
  return { vms, server, clock };
}

/** One XML-RPC call through the portable core: the decoded response (envelope or bare). */
export function xmlCall(server: XapiServer, method: string, ...params: XmlRpcValue[]): XmlRpcValue {
  const res = server.handle({
    method: 'POST',
    url: '/',
    body: encodeCall({ methodName: method, params }),
  });
  return decodeResponse(res.body);
}

/** One JSON-RPC 2.0 call: the parsed response object. */
export function jsonCall(
  server: XapiServer,
  method: string,
  ...params: unknown[]
): Record<string, unknown> {
  const body = JSON.stringify({ jsonrpc: '2.0', method, params, id: 7 });
  return JSON.parse(server.handle({ method: 'POST', url: '/jsonrpc', body }).body);
}

/** Logs in over XML-RPC and returns the session reference. */
export function login(server: XapiServer): string {
  const r = xmlCall(
    server,
    'session.login_with_password',
    CREDENTIALS.username,
    CREDENTIALS.password,
  ) as {
    Value: string;
  };
  return r.Value;
}
