// xenlab: file from 11
// The Xen API over HTTP: first spoken by the test itself (XML-RPC and JSON-RPC with fetch, the
// body limit, a slow client beside a quick one), then by real clients, unmodified: Debian's
// XenAPI.py (python3-os-xenapi), Python's xmlrpc.client, and npm's xen-api. A client that is not
// installed is skipped, saying so (CI installs them: .ci/run, package.json).

import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { asmSourcesUnder } from '../../../tools/asm-sources.ts';
import { buildGuest } from '../../guests/index.ts';
import { PowerState, powerState } from '../vms.ts';
import { listenXapi, MAX_BODY, type RunningXapi } from './http.ts';
import { CREDENTIALS, testServer, vmConfig } from './testing.ts';
import { decodeResponse, encodeCall } from './xmlrpc.ts';

const run = promisify(execFile);
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const hasPython = spawnSync(PYTHON, ['-c', 'import xmlrpc.client']).status === 0;
const hasXenApiPy = spawnSync(PYTHON, ['-c', 'from os_xenapi.client import XenAPI']).status === 0;
/** What the test uses of npm's xen-api (it ships no types). */
interface XenApiPackage {
  createClient(options: object): {
    connect(): Promise<void>;
    disconnect(): Promise<void>;
    call(method: string, ...args: unknown[]): Promise<unknown>;
  };
}
const XEN_API = 'xen-api';
const xenApiNpm = (await import(XEN_API).catch(() => null)) as XenApiPackage | null;
const guests = asmSourcesUnder(`${import.meta.dirname}/../../guests`);

const title = (what: string, has: boolean, why: string) =>
  has ? what : `${what} — SKIPPED: ${why}`;

let api: RunningXapi;
let url: string;
let machine: ReturnType<typeof testServer>;

beforeAll(async () => {
  machine = testServer([vmConfig('spin'), vmConfig('hello', buildGuest('hello.asm', guests))]);
  // The machine runs only when a test runs it, so what each client sees is deterministic.
  api = await listenXapi({ port: 0, vms: machine.vms, credentials: CREDENTIALS, runSlice: 0 });
  url = `http://127.0.0.1:${api.port}`;
});
afterAll(() => api.close());

async function post(path: string, body: string, type = 'text/xml') {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body,
  });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('the Xen API over HTTP, spoken by the test', () => {
  test('XML-RPC at / and JSON-RPC at /jsonrpc, with the content types clients check', async () => {
    const login = await post(
      '/',
      encodeCall({ methodName: 'session.login_with_password', params: ['root', 'xenlab'] }),
    );
    expect(login.type).toBe('text/xml');
    const session = (decodeResponse(login.body) as { Value: string }).Value;
    expect(session).toMatch(/^OpaqueRef:/);
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'VM.get_all', params: [session], id: 1 });
    const vms = await post('/jsonrpc', body, 'application/json');
    expect(vms.type).toBe('application/json');
    expect(JSON.parse(vms.body).result).toHaveLength(3);
  });

  test('a body over the limit gets 413, and the server goes on', async () => {
    const res = await post('/', 'x'.repeat(MAX_BODY + 1));
    expect(res.status).toBe(413);
    const again = await post('/', encodeCall({ methodName: 'system.listMethods', params: [] }));
    expect(again.status).toBe(200);
  });

  test('a client that sends half a request does not hold up others; the server cuts it off in time', async () => {
    const slow = connect(api.port, '127.0.0.1');
    await new Promise<void>((done) => slow.once('connect', () => done()));
    slow.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n<methodCall>');
    const quick = await post('/', encodeCall({ methodName: 'system.listMethods', params: [] }));
    expect(quick.status).toBe(200);
    expect(api.server.requestTimeout).toBeGreaterThan(0);
    expect(api.server.headersTimeout).toBeGreaterThan(0);
    slow.destroy();
  });

  test('the console location serves the text with a session, and nothing without', async () => {
    const { vms } = machine;
    const session = (
      decodeResponse(
        (
          await post(
            '/',
            encodeCall({ methodName: 'session.login_with_password', params: ['root', 'xenlab'] }),
          )
        ).body,
      ) as { Value: string }
    ).Value;
    const hello = vms.byName('hello')!;
    vms.start(hello);
    vms.run(10_000_000);
    expect(powerState(hello)).toBe(PowerState.Halted);
    const ref = api.xapi.ctx.refs.ref('console', hello.uuid);
    const location = `${url}/console?ref=${ref}`;
    expect((await fetch(location)).status).toBe(403);
    const text = await (await fetch(`${location}&session_id=${session}`)).text();
    expect(text).toContain('Hello');
  });
});

/** A Python program run against the server: its stdout, as JSON. */
async function python(program: string): Promise<unknown> {
  const env = {
    ...process.env,
    XAPI_URL: `${url}/`,
    XAPI_USER: CREDENTIALS.username,
    XAPI_PASSWORD: CREDENTIALS.password,
  };
  const { stdout } = await run(PYTHON, ['-c', program], { env, timeout: 30_000 });
  return JSON.parse(stdout);
}

describe('real clients, unmodified', () => {
  test.skipIf(!hasXenApiPy)(
    title(
      "Debian's XenAPI.py logs in, lists and drives VMs, and sees Xen's error codes",
      hasXenApiPy,
      'python3-os-xenapi is not installed (apt-get install python3-os-xenapi)',
    ),
    async () => {
      const out = (await python(`
import json, os
from os_xenapi.client import XenAPI
s = XenAPI.Session(os.environ['XAPI_URL'])
s.login_with_password(os.environ['XAPI_USER'], os.environ['XAPI_PASSWORD'])
x = s.xenapi
vm = x.VM.get_by_name_label('spin')[0]
before = x.VM.get_power_state(vm)
x.VM.start(vm, False, False)
after = x.VM.get_power_state(vm)
try:
    x.VM.start(vm, False, False)
    again = None
except XenAPI.Failure as f:
    again = f.details
names = sorted(r['name_label'] for r in x.VM.get_all_records().values())
x.VM.hard_shutdown(vm)
halted = x.VM.get_power_state(vm)
s.xenapi.session.logout()
try:
    bad = XenAPI.Session(os.environ['XAPI_URL'])
    bad.login_with_password('root', 'wrong')
    denied = None
except XenAPI.Failure as f:
    denied = f.details[0]
print(json.dumps(dict(api=s.API_version, before=before, after=after, again=again, names=names, halted=halted, denied=denied)))
`)) as Record<string, unknown>;
      const vm = machine.vms.byName('spin')!;
      const ref = api.xapi.ctx.refs.ref('VM', vm.uuid);
      expect(out).toEqual({
        api: '1.1',
        before: 'Halted',
        after: 'Running',
        again: ['VM_BAD_POWER_STATE', ref, 'halted', 'running'],
        names: ['Domain-0', 'hello', 'spin'],
        halted: 'Halted',
        denied: 'SESSION_AUTHENTICATION_FAILED',
      });
    },
  );

  test.skipIf(!hasPython)(
    title(
      "Python's xmlrpc.client gets the envelope and a fault for a malformed call",
      hasPython,
      'python3 is not installed',
    ),
    async () => {
      const out = (await python(`
import json, os, xmlrpc.client
p = xmlrpc.client.ServerProxy(os.environ['XAPI_URL'])
login = p.session.login_with_password(os.environ['XAPI_USER'], os.environ['XAPI_PASSWORD'])
s = login['Value']
records = p.VM.get_all_records(s)['Value']
mem = [r['memory_static_max'] for r in records.values() if r['name_label'] == 'spin'][0]
unknown = p.VM.fly(s)['ErrorDescription']
count = p.VM.start(s)['ErrorDescription']
print(json.dumps(dict(status=login['Status'], mem=mem, unknown=unknown, count=count)))
`)) as Record<string, unknown>;
      expect(out).toEqual({
        status: 'Success',
        mem: String(16 << 20),
        unknown: ['MESSAGE_METHOD_UNKNOWN', 'VM.fly'],
        count: ['MESSAGE_PARAMETER_COUNT_MISMATCH', 'VM.start', '4', '1'],
      });
    },
  );

  for (const transport of ['json-rpc', 'xml-rpc'] as const) {
    test.skipIf(xenApiNpm === null)(
      title(
        `npm's xen-api (${transport}) connects, lists VMs and drives one`,
        xenApiNpm !== null,
        'the xen-api package is not installed (npm ci installs the devDependencies)',
      ),
      async () => {
        const xapi = xenApiNpm!.createClient({
          url,
          auth: { user: CREDENTIALS.username, password: CREDENTIALS.password },
          allowUnauthorized: true,
          watchEvents: false,
          transport,
        });
        await xapi.connect();
        try {
          const records = await xapi.call('VM.get_all_records');
          const byName = Object.fromEntries(
            Object.entries(records as Record<string, { name_label: string }>).map(([ref, r]) => [
              r.name_label,
              ref,
            ]),
          );
          expect(Object.keys(byName).sort()).toEqual(['Domain-0', 'hello', 'spin']);
          await xapi.call('VM.start', byName.spin, true, false);
          expect(await xapi.call('VM.get_power_state', byName.spin)).toBe('Paused');
          await expect(xapi.call('VM.unpause', 'OpaqueRef:nope')).rejects.toMatchObject({
            code: 'HANDLE_INVALID',
          });
          await xapi.call('VM.hard_shutdown', byName.spin);
          expect(await xapi.call('VM.get_power_state', byName.spin)).toBe('Halted');
        } finally {
          await xapi.disconnect();
        }
      },
    );
  }
});
