import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { type BootReport, bootHello } from './boot.ts';
import { browserPresent, browserRequired, launchChromium, warnIfSkipped } from './chromium.ts';

// docs/architecture.md §10: sim/, the assembler and the hypervisor run unchanged in a browser. This
// tier bundles grader/portable/boot.ts for the browser (a Node-only import fails the bundle), runs
// it in Debian's Chromium, and compares the result with the same function run here in Node.

const root = fileURLToPath(new URL('../..', import.meta.url));
warnIfSkipped('portable');

async function bundle(): Promise<string> {
  const result = await build({
    stdin: {
      contents:
        "import { bootHello } from './grader/portable/boot.ts';\nglobalThis.bootHello = bootHello;",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    tsconfig: join(root, 'tsconfig.json'),
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

describe.skipIf(!browserPresent && !browserRequired)('the portable core in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    const script = await bundle();
    const page =
      '<!doctype html><meta charset="utf-8"><script type="module" src="/boot.js"></script>';
    server = createServer((req, res) => {
      const js = req.url === '/boot.js';
      res.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html' });
      res.end(js ? script : page);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('assembles and boots the hello guest in the browser exactly as in Node', async () => {
    const files = asmSourcesUnder(join(root, 'solutions/guests'));
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => 'bootHello' in globalThis);
    const inBrowser = await page.evaluate(
      (f) => (globalThis as unknown as { bootHello(f: object): BootReport }).bootHello(f),
      files,
    );
    expect(errors).toEqual([]);
    expect(inBrowser.console).toContain('Hello from a PV guest on xenlab!');
    expect(inBrowser.selfTest).toBe(true);
    expect(inBrowser.stubListing).toEqual(['mov eax,0x12', 'int 0x82', 'ret']);
    expect(inBrowser.shutdownReason).toBe(0); // SHUTDOWN_poweroff
    // Deterministic: the same image, console, hypercalls and instruction count as in Node.
    expect(inBrowser).toEqual(bootHello(files));
  });
});
