// Debian's xenstore-utils (libxenstore's command-line tools) and python3-pyxs against our
// xenstored's socket, found through XENSTORED_PATH as on a Xen host. Their output is produced by
// the real clients from our replies; the expected text is what they print against Xen's
// xenstored for the same store. Skipped, saying so, when the tools are not installed (CI
// installs them: .ci/run).

import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { XsClient } from './client.ts';
import { listenXenstored } from './socket.ts';
import { Xenstored } from './xenstored.ts';

const run = promisify(execFile);
const hasUtils = spawnSync('sh', ['-c', 'command -v xenstore-read']).status === 0;
/** Debian's python3 (pyxs is a system package, not in a virtual environment's python). */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const hasPyxs = spawnSync(PYTHON, ['-c', 'import pyxs']).status === 0;

const title = (what: string, has: boolean, pkg: string) =>
  has ? what : `${what} — SKIPPED: ${pkg} is not installed (apt-get install ${pkg})`;

let server: Server;
let xs: Xenstored;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  xs = new Xenstored();
  const path = join(mkdtempSync(join(tmpdir(), 'xenlab-xs-')), 'socket');
  server = await listenXenstored(xs, path);
  env = { ...process.env, XENSTORED_PATH: path };
  const dom0 = new XsClient(xs);
  dom0.write('/local/domain/0/name', 'Domain-0');
  dom0.write('/local/domain/0/domid', '0');
});
afterAll(() => server.close());

/** Runs a tool; its stdout, stderr and exit code. */
async function tool(cmd: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(cmd, args, { env, timeout: 20_000 });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

describe.skipIf(!hasUtils)(title('xenstore-utils', hasUtils, 'xenstore-utils'), () => {
  test('xenstore-write, -read, -exists, -list, -rm', async () => {
    expect((await tool('xenstore-write', '/vm/a', 'hello', '/vm/b', 'two words')).code).toBe(0);
    expect(await tool('xenstore-read', '/vm/a', '/vm/b')).toEqual({
      stdout: 'hello\ntwo words\n',
      stderr: '',
      code: 0,
    });
    expect((await tool('xenstore-read', '-p', '/vm/a')).stdout).toBe('/vm/a: hello\n');
    expect((await tool('xenstore-exists', '/vm/a')).code).toBe(0);
    expect((await tool('xenstore-exists', '/vm/c')).code).toBe(1);
    expect((await tool('xenstore-list', '/vm')).stdout).toBe('a\nb\n');
    expect((await tool('xenstore-rm', '/vm/a')).code).toBe(0);
    expect(await tool('xenstore-read', '/vm/a')).toEqual({
      stdout: '',
      stderr: "xenstore-read: couldn't read path /vm/a\n",
      code: 1,
    });
  });

  test('xenstore-ls shows the tree, with -f full paths and -p permissions', async () => {
    await tool('xenstore-write', '/ls/x', '1', '/ls/y/z', 'deep');
    expect((await tool('xenstore-ls', '/ls')).stdout).toBe('x = "1"\ny = ""\n z = "deep"\n');
    expect((await tool('xenstore-ls', '-f', '/ls')).stdout).toBe(
      '/ls/x = "1"\n/ls/y = ""\n/ls/y/z = "deep"\n',
    );
    expect((await tool('xenstore-chmod', '/ls/x', 'n0', 'r5')).code).toBe(0);
    const listed = (await tool('xenstore-ls', '-p', '/ls')).stdout.split('\n');
    expect(listed[0]).toMatch(/^x = "1" +[ .]+\(n0,r5\)$/);
    expect(listed[1]).toMatch(/^y = "" +[ .]+\(n0\)$/);
    expect(xs.store.get('/ls/x')?.perms).toEqual([
      { id: 0, perms: 0 },
      { id: 5, perms: 1 },
    ]);
  });

  test('xenstore-watch prints each event, the first at once', async () => {
    const watching = tool('xenstore-watch', '-n', '3', '/w');
    // The watch is set once its first event went out; then two writes fire it.
    while (!xs.connections.some((c) => c.watches.some((w) => w.path === '/w'))) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await tool('xenstore-write', '/w/x', '1');
    await tool('xenstore-write', '/w/y', '2');
    expect(await watching).toEqual({ stdout: '/w\n/w/x\n/w/y\n', stderr: '', code: 0 });
  });
});

describe.skipIf(!hasPyxs)(title('python3-pyxs', hasPyxs, 'python3-pyxs'), () => {
  test('reads, writes, lists, transactions, errors and watches', async () => {
    const script = `
import os, pyxs
with pyxs.Client(unix_socket_path=os.environ['XENSTORED_PATH']) as c:
    c[b'/py/a'] = b'val'
    print(c[b'/py/a'], c.list(b'/py'), c.get_perms(b'/py/a'), c.exists(b'/py/zz'))
    print(c.get_domain_path(3))
    c.transaction(); c[b'/py/b'] = b'in tx'; print(c.commit())
    try:
        c[b'/nothere']
    except pyxs.PyXSError as e:
        print('error', e.args[0])
    m = c.monitor(); m.watch(b'/py', b'tok'); w = m.wait(); print(next(w))
    c[b'/py/c'] = b'x'; print(next(w))
`;
    const out = await tool(PYTHON, '-c', script);
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe(
      [
        "b'val' [b'a'] [b'n0'] False",
        "b'/local/domain/3'",
        'True',
        'error 2',
        "Event(path=b'/py', token=b'tok')",
        "Event(path=b'/py/c', token=b'tok')",
        '',
      ].join('\n'),
    );
    expect(new XsClient(xs).read('/py/b')).toBe('in tx');
  });
});
