import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { main } from '../cli.ts';
import { EXIT } from '../exit-codes.ts';
import { PASSWORD_ENV, startXapi } from './xapi.ts';

/** Runs `xenlab ARGS`: its exit code and what it printed on stdout and stderr. */
async function xenlab(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  const err = vi.spyOn(console, 'error').mockImplementation((...s) => {
    stderr += `${s.join(' ')}\n`;
  });
  try {
    process.exitCode = undefined;
    const code = await main(['node', 'xenlab', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

afterEach(() => vi.unstubAllEnvs());

describe('xenlab xapi and xenlab xl', () => {
  test('the server needs a password, and xl drives a guest through it', async () => {
    vi.stubEnv(PASSWORD_ENV, '');
    await expect(startXapi({ port: 0, user: 'root', vm: [], memory: 64 })).rejects.toThrow(
      /password/,
    );
    const server = await startXapi({
      port: 0,
      user: 'root',
      password: 'pw',
      vm: ['hello'],
      memory: 64,
    });
    const url = `http://127.0.0.1:${server.port}/`;
    const cfg = join(mkdtempSync(join(tmpdir(), 'xenlab-xl-')), 'c.cfg');
    writeFileSync(cfg, 'name = "c"\nkernel = "console"\nmemory = 16\n');
    try {
      const xl = (...args: string[]) => xenlab('xl', '--url', url, '--password', 'pw', ...args);
      const created = await xl('create', cfg, '-p');
      expect(created.stderr).toBe('');
      expect(created.code).toBe(EXIT.ok);
      const list = await xl('list');
      expect(list.code).toBe(EXIT.ok);
      expect(list.stdout.split('\n')[2]).toBe(
        `${'c'.padEnd(40)}     1    16     1     --p---       0.0`,
      );
      expect((await xl('unpause', 'c')).code).toBe(EXIT.ok);
      expect((await xl('destroy', '1')).code).toBe(EXIT.ok);
      const again = await xl('destroy', 'c');
      expect(again.code).toBe(EXIT.failed);
      expect(again.stderr).toMatch(/VM_BAD_POWER_STATE/);
      const denied = await xenlab('xl', '--url', url, '--password', 'nope', 'list');
      expect(denied.code).toBe(EXIT.failed);
      expect(denied.stderr).toMatch(/SESSION_AUTHENTICATION_FAILED/);
    } finally {
      await server.close();
    }
  });
});
