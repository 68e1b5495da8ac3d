// `xenlab check-setup`: is this machine ready to build and grade the chapters?

import { accessSync, constants, mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { runSelfTest } from '../../sim/host.ts';
import { cacheDir } from '../cache.ts';
import { EXIT } from '../exit-codes.ts';

export interface SetupCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export const MIN_NODE_MAJOR = 20;

export function checkNodeVersion(version: string = process.versions.node): SetupCheck {
  const major = Number(version.split('.')[0]);
  const ok = major >= MIN_NODE_MAJOR;
  return {
    name: 'Node.js version',
    ok,
    detail: ok
      ? `v${version}`
      : `v${version} is too old: xenlab needs Node.js ${MIN_NODE_MAJOR} or newer`,
  };
}

export function checkCacheWritable(dir: string = cacheDir()): SetupCheck {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return { name: 'cache folder', ok: true, detail: `${dir} is writable` };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return {
      name: 'cache folder',
      ok: false,
      detail: `${dir} is not writable (${why}); set XENLAB_CACHE to a writable folder`,
    };
  }
}

/** The emulated machine runs a known program to the known result (sim/selftest.ts). */
export function checkSim(): SetupCheck {
  const { ok, detail } = runSelfTest();
  return { name: 'sim self-test', ok, detail };
}

export function runSetupChecks(): SetupCheck[] {
  return [checkNodeVersion(), checkCacheWritable(), checkSim()];
}

export function register(program: Command): void {
  program
    .command('check-setup')
    .description('check that this machine can build and grade xenlab')
    .action(() => {
      const checks = runSetupChecks();
      for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
      const failed = checks.filter((c) => !c.ok).length;
      console.log(failed === 0 ? 'Setup is ready.' : `${failed} check(s) failed.`);
      process.exitCode = failed === 0 ? EXIT.ok : EXIT.failed;
    });
}
