import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkCacheWritable, checkNodeVersion } from './commands/check-setup.ts';
import { EXIT } from './exit-codes.ts';

const bin = fileURLToPath(new URL('../bin/xenlab.js', import.meta.url));

function xenlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the xenlab command', () => {
  it('--help lists the commands and exits 0', () => {
    const r = xenlab('--help');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/check-setup/);
    expect(r.out).toMatch(/start/);
  });

  it('an unknown command is a usage error (exit 2) with a pointer to --help', () => {
    const r = xenlab('no-such-command');
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/unknown command/);
    expect(r.err).toMatch(/--help/);
  });

  it('check-setup passes on this machine', () => {
    const r = xenlab('check-setup');
    expect(r.out).toMatch(/Node\.js version/);
    expect(r.code).toBe(EXIT.ok);
  });

  it('start lists every chapter', () => {
    const r = xenlab('start', '--list');
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toMatch(/Understanding the Shared Info Page/);
    expect(r.out).toMatch(/HVM Support/);
  });
});

describe('setup checks', () => {
  it('rejects Node.js older than 20 and accepts 20', () => {
    expect(checkNodeVersion('18.19.0').ok).toBe(false);
    expect(checkNodeVersion('18.19.0').detail).toMatch(/too old/);
    expect(checkNodeVersion('20.0.0').ok).toBe(true);
  });

  it('reports a cache folder that cannot be created', () => {
    // A folder cannot be made below a regular file.
    const file = join(mkdtempSync(join(tmpdir(), 'xenlab-')), 'a-file');
    writeFileSync(file, '');
    const c = checkCacheWritable(join(file, 'cache'));
    expect(c.ok).toBe(false);
    expect(c.detail).toMatch(/XENLAB_CACHE/);
  });
});
