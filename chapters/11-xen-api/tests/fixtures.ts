// Chapter 11's fixtures: a machine of a few VMs (a kernel that spins) behind a Xen API server on a
// counted clock, and calls through the server's portable core on either wire (book §11.1).

import { PhysMemory, type Prng } from '../../../sim/host.ts';
import { minimalKernel } from '../../testing/elf.ts';
import { Toolstack } from '../src/dom0/toolstack.ts';
import { type VmConfig, Vms } from '../src/dom0/vms.ts';
import { XapiServer } from '../src/dom0/xapi/server.ts';
import { decodeResponse, encodeCall, type XmlRpcValue } from '../src/dom0/xapi/xmlrpc.ts';
import { Xen } from '../src/xen/xen.ts';

export const CREDENTIALS = { username: 'root', password: 'xenlab' };
/** A kernel that spins forever (jmp $): it never shuts down unless destroyed. */
const SPIN = minimalKernel([0xeb, 0xfe]);

/** A VM of `memoryMiB` running the spinning kernel. */
export function vmConfig(name: string, memoryMiB = 16, vcpus = 1): VmConfig {
  return { name, kernel: name, image: SPIN, memoryMiB, vcpus, cmdline: '' };
}

/** A seeded VM name and size: nothing a test checks can be written down in advance. */
export function randomVm(rng: Prng, prefix: string): VmConfig {
  return vmConfig(`${prefix}-${rng.below(100_000)}`, 4 + rng.below(13), 1 + rng.below(3));
}

/** A machine with the VMs of `configs` defined (Halted) and a server for it. */
export function testServer(configs: VmConfig[]) {
  const vms = new Vms(new Toolstack(new Xen(new PhysMemory(128 << 20))));
  for (const c of configs) vms.define(c);
  let sessions = 0;
  const server = new XapiServer({
    vms,
    credentials: CREDENTIALS,
    clock: () => 0,
    newSessionId: () => `session-${++sessions}`,
    consoleBase: 'http://xenlab',
  });
  return { vms, server };
}

/** One JSON-RPC 2.0 call (no XML on the way): the parsed response object. */
export function jsonCall(server: XapiServer, method: string, ...params: unknown[]) {
  const body = JSON.stringify({ jsonrpc: '2.0', method, params, id: 7 });
  return JSON.parse(server.handle({ method: 'POST', url: '/jsonrpc', body }).body) as {
    result?: unknown;
    error?: { message: string; data: unknown[] };
  };
}

/** A JSON-RPC call's result; a failure throws with its code and parameters. */
export function jsonResult(server: XapiServer, method: string, ...params: unknown[]): unknown {
  const r = jsonCall(server, method, ...params);
  if (r.error !== undefined)
    throw new Error(`${method} failed: ${r.error.message} ${JSON.stringify(r.error.data)}`);
  return r.result;
}

/** Logs in over JSON-RPC and returns the session reference. */
export function jsonLogin(server: XapiServer): string {
  return jsonResult(
    server,
    'session.login_with_password',
    CREDENTIALS.username,
    CREDENTIALS.password,
  ) as string;
}

/** One XML-RPC call through the portable core: the decoded response. */
export function xmlCall(server: XapiServer, method: string, ...params: XmlRpcValue[]) {
  const body = encodeCall({ methodName: method, params });
  return decodeResponse(server.handle({ method: 'POST', url: '/', body }).body);
}
