import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserPresent,
  browserRequired,
  launchChromium,
  warnIfSkipped,
} from '../grader/portable/chromium.ts';
import { guestEntries, writtenChapters } from './.vitepress/book.ts';

// docs/architecture.md §9: the built book in a real browser. Serves site/.vitepress/dist (building
// it first when it is missing or older than its sources), opens pages in Debian's Chromium, boots
// guests in the page's Web Worker, and checks the console, the hypercall trace and the inspectors.
// Prints the page weight of the page with the hello console and the sim's MIPS in the worker.

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'site/.vitepress/dist');
const screenshots = join(root, 'site/.screenshots');
warnIfSkipped('site');

/** The hello guest's greeting (solutions/guests/hello.asm). */
const GREETING = 'Hello from a PV guest on xenlab!';
/** The chapter whose text embeds the hello console, when it is written. */
const CHAPTER_02 = join(root, 'chapters/02-architecture/README.md');

/** Newest modification time of the files under `dir` (skipping build output and modules). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', 'cache', '.screenshots'].includes(entry.name)) continue;
    const path = join(dir, entry.name);
    time = Math.max(time, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return time;
}

/** The sub-path a sub-path build serves the book below, as GitHub Pages serves a repository's. */
const BASE = '/xenlab/';
const distBase = join(root, 'site/.vitepress/dist-base');

/** The repository address the sub-path build is made with, as the Pages workflow sets it. */
const REPO_URL = 'https://github.com/example/xenlab/blob/main';

function buildIfStale(out = dist, base = '/', repoUrl?: string): void {
  const built = join(out, 'index.html');
  const sources = Math.max(
    ...['site', 'chapters', 'solutions', 'sim'].map((d) => newest(join(root, d))),
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  const vitepress = join(root, 'node_modules/.bin/vitepress');
  const result = spawnSync(vitepress, ['build', 'site', '--outDir', out], {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      XENLAB_BASE: base,
      ...(repoUrl === undefined ? {} : { XENLAB_REPO_URL: repoUrl }),
    },
  });
  if (result.status !== 0)
    throw new Error(`vitepress build failed:\n${result.stdout}${result.stderr}`);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.svg': 'image/svg+xml',
};

/** Bytes served, by file extension, since the last reset; and what gzip would make of them. */
const served = new Map<string, number>();
const servedGzip = new Map<string, number>();

/**
 * A static server for the built site, with VitePress's clean URLs (/guests → guests.html); with
 * `base`, the site is served below that path only, as on GitHub Pages.
 */
function serve(dir = dist, base = '/'): Server {
  return createServer((req, res) => {
    const full = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const path = full.startsWith(base) ? `/${full.slice(base.length)}` : '/\0';
    const dist = dir;
    const candidates = [path, `${path}.html`, join(path, 'index.html')].map((p) => join(dist, p));
    const file = candidates.find(
      (f) => f.startsWith(dist) && existsSync(f) && statSync(f).isFile(),
    );
    if (file === undefined) {
      console.warn(`site server: 404 ${req.url}`);
      res.writeHead(404).end();
      return;
    }
    const body = readFileSync(file);
    const ext = extname(file);
    served.set(ext, (served.get(ext) ?? 0) + body.length);
    servedGzip.set(ext, (servedGzip.get(ext) ?? 0) + gzipSync(body).length);
    // As static hosts serve VitePress's hashed assets: cached for good, fetched once.
    const cache = path.startsWith('/assets/') ? 'max-age=31536000, immutable' : 'no-cache';
    res.writeHead(200, {
      'content-type': TYPES[ext] ?? 'application/octet-stream',
      'cache-control': cache,
    });
    res.end(body);
  });
}

/** What the server has sent since the last reset. */
function snapshot(): Weight {
  return { plain: Object.fromEntries(served), gzip: Object.fromEntries(servedGzip) };
}

type Weight = Record<'plain' | 'gzip', Record<string, number>>;

/** HTML + JS + CSS bytes as served and gzipped, and every kind served. */
function pageWeight(weight: Weight): string {
  const total = (w: Record<string, number>) =>
    (w['.html'] ?? 0) + (w['.js'] ?? 0) + (w['.css'] ?? 0);
  return (
    `${total(weight.plain)} bytes of HTML+JS+CSS, ${total(weight.gzip)} gzipped ` +
    `(by kind: ${JSON.stringify(weight.plain)})`
  );
}

describe.skipIf(!browserPresent && !browserRequired)('the book in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    buildIfStale();
    server = serve();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** Opens `path`, collecting every error the page or its workers log. */
  async function open(
    path: string,
    colorScheme: 'light' | 'dark' = 'light',
  ): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, colorScheme });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${base}${path}`);
    return { page, errors };
  }

  /** Boots the hello console on `path` to its end; returns what its terminal and trace show. */
  async function runHello(path: string) {
    served.clear();
    servedGzip.clear();
    const { page, errors } = await open(path);
    await page.waitForLoadState('networkidle');
    const initial = snapshot();
    const hello = page.locator('.guest-console[data-guest="hello"]').first();
    // A console starts its worker when it comes near the screen.
    await hello.scrollIntoViewIfNeeded();
    await page.waitForFunction(
      () =>
        document
          .querySelector('.guest-console[data-guest="hello"]')
          ?.getAttribute('data-status') === 'booted',
    );
    await hello.locator('button.run').click();
    await page.waitForFunction(
      () =>
        document
          .querySelector('.guest-console[data-guest="hello"]')
          ?.getAttribute('data-status') === 'ended',
    );
    // xterm.js renders only while the terminal is on screen.
    await hello.locator('.guest-screen').scrollIntoViewIfNeeded();
    await expect
      .poll(() => hello.locator('.xterm-rows').textContent(), { timeout: 10_000 })
      .toContain(GREETING);
    const rows = await hello.locator('.xterm-rows > div').allTextContents();
    const screen = rows.map((r) => r.replace(/\u00a0/g, ' ').trimEnd());
    while (screen.at(-1) === '') screen.pop();
    const trace = await hello.locator('.hypercall-trace').textContent();
    const status = await hello.locator('.guest-status').textContent();
    return { page, errors, screen, trace, status, initial, weight: snapshot() };
  }

  it('boots the hello guest in the guests page: console, trace, registers, memory', async () => {
    const { page, errors, screen, trace, status, initial, weight } = await runHello('/guests');
    expect(screen).toContain(GREETING);
    expect(screen.at(-1)).toBe('(XEN) domain 1 (hello) shut down: poweroff');
    expect(trace).toMatch(/d1v0 console_io\(cmd=CONSOLEIO_write, .*\) = 0/);
    expect(trace).toMatch(/sched_op\(cmd=SCHEDOP_shutdown/);
    expect(status).toContain('poweroff');
    // The build-time quote above the console shows the same screen.
    const quoted = await page.locator('.xenlab-quote-caption + div pre').first().textContent();
    expect(quoted?.split('\n')).toEqual(screen);
    console.log(`site: /guests page weight on load ${pageWeight(initial)}`);
    console.log(`site: /guests page weight with the hello console run ${pageWeight(weight)}`);

    // Reset, then single-step: one instruction per click, and vCPU 0's registers follow.
    const hello = page.locator('.guest-console[data-guest="hello"]');
    await hello.locator('button.reset').click();
    await page.waitForFunction(() =>
      document
        .querySelector('.guest-console[data-guest="hello"] .guest-status')
        ?.textContent?.includes(' 0 instructions'),
    );
    await hello.locator('summary', { hasText: 'Registers and memory' }).click();
    const eipBefore = await hello.locator('.register-view dt:text-is("eip") + dd').textContent();
    await hello.locator('button.step').click();
    await page.waitForFunction(() =>
      document
        .querySelector('.guest-console[data-guest="hello"] .guest-status')
        ?.textContent?.includes(' 1 instruction'),
    );
    await expect
      .poll(() => hello.locator('.register-view dt:text-is("eip") + dd').textContent())
      .not.toBe(eipBefore);
    expect(await hello.locator('.register-view').textContent()).toMatch(/cpl\s*1/);
    // The memory view reads the guest's stack through its page tables: mapped, so hex bytes.
    expect(await hello.locator('.memory-view pre').textContent()).toMatch(
      /^[0-9a-f]{8} {2}[0-9a-f]{2} /,
    );

    // The page-tables visualiser inside the console: the bootstrap tables, read-only, and Xen's.
    await hello.locator('summary', { hasText: 'Page tables' }).click();
    const tables = hello.locator('.page-tables');
    await expect.poll(() => tables.textContent()).toMatch(/CR3 → L3 at machine [0-9a-f]{8}/);
    expect(await tables.textContent()).toMatch(/RO S/);
    expect(await tables.textContent()).toContain('Xen');

    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, 'guests.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it.skipIf(
    !existsSync(CHAPTER_02) ||
      !readFileSync(CHAPTER_02, 'utf8').includes('<GuestConsole guest="hello"'),
  )(
    'stops chapter 02’s hello console where it needs the reader’s first exercise',
    async () => {
      served.clear();
      servedGzip.clear();
      const { page, errors } = await open('/02-architecture/');
      await page.waitForLoadState('networkidle');
      const initial = snapshot();
      const hello = page.locator('.guest-console[data-guest="hello"]').first();
      await hello.scrollIntoViewIfNeeded();
      // The page's worker holds chapter 02 as its reader starts it: the builder's exercises
      // are stubs, so the guest cannot be built, and the console says which one it needs.
      await statusOf(hello, 'unwritten');
      expect(await hello.locator('.guest-error').textContent()).toMatch(
        /exercise 02-[a-z-]+ is not implemented yet \(book §2\.\d+\)/,
      );
      expect(await hello.locator('.guest-status').textContent()).toContain('needs an exercise');
      expect(await hello.locator('.guest-starter').textContent()).toContain(
        'npx xenlab run hello --chapter 02',
      );
      expect(await hello.locator('button.retry').count()).toBe(0);
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, '02-architecture.png'), fullPage: true });
      console.log(`site: chapter 02 page weight on load ${pageWeight(initial)}`);
      console.log(
        `site: chapter 02 page weight with its console started ${pageWeight(snapshot())}`,
      );
      expect(errors).toEqual([]);
      await page.close();
    },
    120_000,
  );

  it('shows chapter 03’s time records beside the gettimeofday console, on the reader’s starter', async () => {
    const { page, errors } = await open('/03-shared-info/');
    const console03 = page.locator('.guest-console[data-guest="gettimeofday"]');
    await console03.scrollIntoViewIfNeeded();
    await expect
      .poll(() => console03.getAttribute('data-status'), { timeout: 30_000 })
      .toBe('booted');
    const time = console03.locator('.vcpu-time-info');
    // Before the first instruction no vCPU has been scheduled: nothing is published yet.
    await expect.poll(() => time.textContent(), { timeout: 10_000 }).toMatch(/version\s*0\b/);
    // The guest's own time routines are the chapter's exercises: stubs (ud2) crash it.
    await console03.locator('button.run').click();
    await expect
      .poll(() => console03.getAttribute('data-status'), { timeout: 30_000 })
      .toBe('ended');
    expect(await console03.locator('.guest-status').textContent()).toContain('crash');
    expect(await console03.locator('.guest-starter').textContent()).toContain('--chapter 03');
    mkdirSync(screenshots, { recursive: true });
    await time.screenshot({ path: join(screenshots, '03-vcpu-time-info.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it.skipIf(!existsSync(join(root, 'chapters/01-virtualization/README.md')))(
    'runs a chapter-1 guest on the monitor in chapter 01, up to the reader’s first exercise',
    async () => {
      const { page, errors } = await open('/01-virtualization/');
      const guest = page.locator('.guest-console[data-guest="popf-guard"]').first();
      await guest.scrollIntoViewIfNeeded();
      await expect
        .poll(() => guest.getAttribute('data-status'), { timeout: 30_000 })
        .toBe('booted');
      await guest.locator('button.run').click();
      // The monitor's emulation is chapter 01's exercise: the run stops at its stub.
      await expect
        .poll(() => guest.locator('.guest-status').textContent(), { timeout: 30_000 })
        .toMatch(/stopped: exercise 01-[a-z-]+ is not implemented yet/);
      expect(await guest.getAttribute('data-status')).toBe('paused');
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, '01-virtualization.png') });
      expect(errors).toEqual([]);
      await page.close();
    },
    120_000,
  );

  it('asks a section’s self-check questions with their answers hidden until opened', async () => {
    const { page, errors } = await open('/02-architecture/');
    const checks = page.locator('details.self-check');
    expect(await checks.count()).toBeGreaterThanOrEqual(4);
    const first = checks.first();
    const answer = first.locator('p').first();
    expect(await answer.isVisible()).toBe(false);
    await first.locator('summary').click();
    await expect.poll(() => answer.isVisible()).toBe(true);
    expect(await answer.textContent()).toContain('start_info');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('ends /guests and /instructors with the site’s footer, chapters with their pager', async () => {
    const CREDITS =
      /MIT licence.*CC BY-SA 4\.0.*David Chisnall \(Prentice Hall, first edition, 2007\)/s;
    for (const path of ['/guests', '/instructors', '/']) {
      const { page, errors } = await open(path);
      const footer = page.locator('.VPFooter');
      await expect.poll(() => footer.isVisible(), { timeout: 10_000 }).toBe(true);
      expect(await footer.textContent(), path).toMatch(CREDITS);
      expect(await page.locator('.pager-link').count(), `${path}: no chapter pager`).toBe(0);
      expect(errors).toEqual([]);
      await page.close();
    }
    const { page } = await open('/03-shared-info/');
    await expect.poll(() => page.locator('.pager-link').count()).toBe(2);
    expect(await page.locator('.pager-link.prev').getAttribute('href')).toBe('/02-architecture/');
    expect(await page.locator('.VPFooter').isVisible()).toBe(false);
    await page.close();
  }, 120_000);

  it('links “chapter N” and “§N.M” in chapter text to pages and headings that exist', async () => {
    let sections = 0;
    for (const c of writtenChapters(root)) {
      const html = readFileSync(join(dist, c.slug, 'index.html'), 'utf8');
      for (const [, href] of html.matchAll(/<a href="([^"]*)" class="xenlab-reference"/g)) {
        const [path, hash] = href!.split('#') as [string, string | undefined];
        const target = readFileSync(join(dist, path, 'index.html'), 'utf8');
        if (hash === undefined) continue;
        sections++;
        expect(target, `${c.slug} links ${href}`).toContain(`id="${hash}"`);
      }
    }
    expect(sections, 'section references linked').toBeGreaterThan(20);
    const { page } = await open('/02-architecture/');
    const reference = page.locator('a.xenlab-reference[href*="#"]').first();
    const hash = (await reference.getAttribute('href'))!.split('#')[1]!;
    await reference.click();
    await expect.poll(() => new URL(page.url()).hash).toBe(`#${hash}`);
    expect(await page.locator(`[id="${hash}"]`).count()).toBe(1);
    await page.close();
  }, 120_000);

  it('finds chapter text with the local search', async () => {
    const { page, errors } = await open('/');
    await page.locator('.VPNavBarSearch button').click();
    await page.locator('#localsearch-input').fill('console_io');
    const results = page.locator('.VPLocalSearchBox .result');
    await expect.poll(() => results.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await results.first().getAttribute('href')).toMatch(/^\/(\d\d-[a-z-]+\/|guests)/);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('shows Xen’s crash report when the crash guest faults', async () => {
    const { page, errors } = await open('/guests');
    const crash = page.locator('.guest-console[data-guest="crash"]');
    await crash.scrollIntoViewIfNeeded();
    await expect.poll(() => crash.getAttribute('data-status'), { timeout: 30_000 }).toBe('booted');
    await crash.locator('button.run').click();
    await expect.poll(() => crash.getAttribute('data-status'), { timeout: 30_000 }).toBe('ended');
    expect(await crash.locator('.guest-status').textContent()).toContain('crash');
    await expect
      .poll(() => crash.locator('.xterm-rows').textContent(), { timeout: 10_000 })
      .toContain('(XEN) domain 1 (crash) crashed:');
    expect(await crash.locator('.xterm-rows').textContent()).toContain('#PF, page fault');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('runs the chapter 04 two-domain console with both grant tables beside it, on the reader’s starter', async () => {
    const { page, errors } = await open('/04-grant-tables/');
    const share = page.locator('.guest-console[data-guest="grant-share"]');
    await share.scrollIntoViewIfNeeded();
    await expect.poll(() => share.getAttribute('data-status'), { timeout: 30_000 }).toBe('booted');
    await expect.poll(() => share.locator('.grant-tables h4').count()).toBe(2);
    // The guests' grant routines are the chapter's exercises: stubs (ud2) crash them.
    await share.locator('button.run').click();
    await expect.poll(() => share.getAttribute('data-status'), { timeout: 30_000 }).toBe('ended');
    await share.locator('.guest-screen').scrollIntoViewIfNeeded();
    await expect
      .poll(() => share.locator('.xterm-rows').textContent(), { timeout: 10_000 })
      .toContain('crashed');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('shows chapter 08’s XenStore tree beside the xsname console, on the reader’s starter', async () => {
    const { page, errors } = await open('/08-xenstore/');
    const xsname = page.locator('.guest-console[data-guest="xsname"]');
    await xsname.scrollIntoViewIfNeeded();
    await expect.poll(() => xsname.getAttribute('data-status'), { timeout: 30_000 }).toBe('booted');
    const tree = xsname.locator('.xenstore-tree');
    // The toolstack wrote the guest's home before it ran: its name, readable by the guest.
    const name = tree.locator('tbody tr', { hasText: 'xsname' }).first();
    await expect.poll(() => name.textContent(), { timeout: 10_000 }).toContain('n0 r1');
    // The guest's XenStore routine is the chapter's exercise: its stub (ud2) crashes it.
    await xsname.locator('button.run').click();
    await expect.poll(() => xsname.getAttribute('data-status'), { timeout: 30_000 }).toBe('ended');
    expect(await xsname.locator('.guest-status').textContent()).toContain('crash');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('follows the dark theme, terminal included', async () => {
    const { page, errors } = await open('/guests', 'dark');
    await page.locator('.guest-console[data-guest="hello"]').scrollIntoViewIfNeeded();
    await page.waitForFunction(
      () =>
        document
          .querySelector('.guest-console[data-guest="hello"]')
          ?.getAttribute('data-status') === 'booted',
    );
    expect(await page.locator('html').getAttribute('class')).toContain('dark');
    const background = await page
      .locator('.guest-console[data-guest="hello"] .xterm-scrollable-element')
      .evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(background).toBe('rgb(27, 27, 31)'); // GuestConsole.vue's dark theme
    // Figures drawn at build time take the theme's colours: light text on the dark page.
    const fill = (p: Page) =>
      p
        .locator('svg.xenlab-figure text')
        .first()
        .evaluate((e) => getComputedStyle(e).fill);
    const light = await open('/04-grant-tables/');
    await page.goto(`${base}/04-grant-tables/`);
    expect(await fill(page)).not.toBe(await fill(light.page));
    await light.page.close();
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, 'guests-dark.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  /** Waits until the console's data-status is `status`. */
  const statusOf = (console: ReturnType<Page['locator']>, status: string, timeout = 30_000) =>
    expect.poll(() => console.getAttribute('data-status'), { timeout }).toBe(status);

  it('debugs the hello guest: breakpoint on a label, next event, step N, run to, slow pace', async () => {
    const { page, errors } = await open('/guests');
    const hello = page.locator('.guest-console[data-guest="hello"]').first();
    await hello.scrollIntoViewIfNeeded();
    await statusOf(hello, 'booted');
    const status = hello.locator('.guest-status');
    expect(await status.textContent()).toContain('ready at its entry point');
    expect(await hello.locator('.guest-source').textContent()).toMatch(/lib\/head\.asm:\d+/);

    // A breakpoint on main: Run stops there, EIP's source line is hello.asm's.
    await hello.locator('.breakpoint-where').fill('main');
    await hello.locator('.breakpoints button[type=submit]').click();
    await expect.poll(() => hello.locator('.breakpoint').count()).toBe(1);
    await hello.locator('button.run').click();
    await statusOf(hello, 'paused');
    expect(await status.textContent()).toMatch(/stopped: breakpoint at [0-9a-f]{8}/);
    expect(await hello.locator('.guest-source').textContent()).toContain('hello.asm:');
    await hello.locator('.breakpoint .remove').click();

    // Next event: just after the first hypercall, which the trace lists.
    await hello.locator('button.next-event').click();
    await expect.poll(() => status.textContent()).toMatch(/stopped: after d1v0 console_io/);
    // Domain 0's toolstack bound the console and store ports before the guest ran; the guest
    // itself has made exactly one hypercall.
    const lines = await hello.locator('.hypercall-trace li').allTextContents();
    expect(lines.filter((l) => l.startsWith('d1v0')).length, lines.join('\n')).toBe(1);
    expect(
      lines.slice(0, -1).every((l) => l.startsWith('d0v0')),
      lines.join('\n'),
    ).toBe(true);

    // Step N: exactly N more instructions; the registers that changed are marked.
    await hello.locator('summary', { hasText: 'Registers and memory' }).click();
    await expect.poll(() => hello.locator('.register-view dt').count()).toBeGreaterThan(8);
    const before = Number(
      (await status.textContent())!.match(/([\d,]+) instructions/)![1]!.replace(/,/g, ''),
    );
    await hello.locator('.step-count').fill('5');
    await hello.locator('button.step-many').click();
    await expect
      .poll(() => status.textContent())
      .toContain(`${(before + 5).toLocaleString('en')} instructions`);
    expect(await status.textContent()).toContain('stopped: stepped 5');
    await expect.poll(() => hello.locator('.register-view dt.changed').count()).toBeGreaterThan(0);
    expect(await hello.locator('.register-view dt.changed').allTextContents()).toContain('eip');

    // Run to a label of the guest's library.
    await hello.locator('.run-to-target').fill('exit');
    await hello.locator('.run-to button').click();
    await expect.poll(() => status.textContent()).toMatch(/stopped: breakpoint at/);
    expect(await hello.locator('.guest-source').textContent()).toContain('lib/');
    // A label that does not exist is refused, saying so.
    await hello.locator('.run-to-target').fill('no_such_label');
    await hello.locator('.run-to button').click();
    await expect
      .poll(() => hello.locator('.guest-error').textContent())
      .toContain('no label "no_such_label"');

    // The slow pace: Pause lands while it runs, long before the end.
    await hello.locator('button.reset').click();
    await statusOf(hello, 'booted');
    await hello.locator('select.pace').selectOption('slow');
    await hello.locator('button.run').click();
    await expect.poll(() => status.textContent()).toContain('running slowly');
    await page.waitForTimeout(300);
    await hello.locator('button.pause').click();
    await statusOf(hello, 'paused');
    expect(await status.textContent()).toContain('paused');

    // Reset during a run, and twice in a row: one boot line, no output of the old runs.
    await hello.locator('button.run').click();
    await hello.locator('button.reset').click();
    await hello.locator('button.reset').click();
    await statusOf(hello, 'booted');
    await page.waitForTimeout(500);
    await hello.locator('.guest-screen').scrollIntoViewIfNeeded();
    const screenText = async () =>
      ((await hello.locator('.xterm-rows').textContent()) ?? '').replace(/\u00a0/g, ' ');
    await expect.poll(screenText).toContain('domain 1 (hello) built');
    const text = await screenText();
    expect(text.match(/domain 1 \(hello\) built/g)?.length, text).toBe(1);
    expect(text).not.toContain('Hello');
    mkdirSync(screenshots, { recursive: true });
    await hello.screenshot({ path: join(screenshots, 'guests-debugger.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  /**
   * Guests that, once run, wait for their reader with nothing left to run (the console pauses),
   * and the line they wait on: fb for keys, which the page cannot type at it yet.
   */
  const WAITS_FOR_READER: Record<string, string> = { fb: 'fb: drew 64x48, waiting for keys' };

  it('runs every guest from the picker, tracing the page fault bounced to pagefault', async () => {
    const { page, errors } = await open('/guests');
    const picker = page.locator('.guest-picker');
    await picker.scrollIntoViewIfNeeded();
    const names = await picker
      .locator('select.guest-choice option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(names.length).toBeGreaterThan(10);
    // A chapter's worker holds the chapters before it only: a guest of the last written
    // chapter waits for the next one.
    const waiting = guestEntries(root)
      .filter((g) => g.worker === null)
      .map((g) => g.name);
    for (const name of names) {
      await picker.locator('select.guest-choice').selectOption(name);
      const guest = picker.locator(`.guest-console[data-guest="${name}"]`);
      if (waiting.includes(name)) {
        await statusOf(guest, 'failed');
        expect(await guest.locator('.guest-error').textContent()).toContain(
          'runs here once the chapter after its own is published',
        );
        continue;
      }
      await statusOf(guest, 'booted');
      await guest.locator('button.run').click();
      const waitsFor = WAITS_FOR_READER[name];
      await expect
        .poll(() => guest.getAttribute('data-status'), { timeout: 60_000, message: name })
        .toBe(waitsFor === undefined ? 'ended' : 'paused');
      if (waitsFor !== undefined) {
        await guest.scrollIntoViewIfNeeded();
        await expect
          .poll(() => guest.locator('.xterm-rows').textContent(), { timeout: 10_000 })
          .toContain(waitsFor);
      }
      if (name === 'pagefault') {
        expect(await guest.locator('.hypercall-trace').textContent()).toMatch(
          /trap: d1 vector 14 \(#PF, page fault\) bounced to its handler at [0-9a-f]{8}, error code/,
        );
      }
      if (name === 'crash') {
        expect(await guest.locator('.hypercall-trace').textContent()).toContain('crash: domain 1');
      }
      if (name === 'popf-guard') {
        expect(await guest.locator('.hypercall-trace').textContent()).toContain(
          'timer interrupt delivered',
        );
      }
    }
    console.log(
      `site: the /guests picker ran ${names.length - waiting.length} guests (${Object.keys(WAITS_FOR_READER).length} of them until they wait for their reader); ${waiting.length} wait for the next chapter`,
    );
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);

  it('shows why a console could not start, and starts on Retry', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const blocked = (url: URL) => /\/workers\/[^/]*\.js$/.test(url.pathname);
    await page.route(blocked, (route) => route.abort());
    await page.goto(`${base}/guests`);
    const hello = page.locator('.guest-console[data-guest="hello"]').first();
    await hello.scrollIntoViewIfNeeded();
    await statusOf(hello, 'failed');
    expect(await hello.locator('.guest-status').textContent()).toContain('could not start');
    expect(await hello.locator('.guest-error').textContent()).toContain('the guest worker failed');
    await page.unroute(blocked);
    await hello.locator('button.retry').click();
    await statusOf(hello, 'booted');
    await page.close();
  }, 120_000);

  it('fits a phone: the console’s terminal and toolbars at 390 px', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${base}/guests`);
    const hello = page.locator('.guest-console[data-guest="hello"]').first();
    await hello.scrollIntoViewIfNeeded();
    await statusOf(hello, 'booted');
    const fits = await hello.evaluate((e) => e.scrollWidth <= e.clientWidth + 1);
    expect(fits, 'the console does not overflow the page').toBe(true);
    const screenFits = await hello
      .locator('.guest-screen')
      .evaluate((e) => e.scrollWidth <= e.clientWidth + 1);
    expect(screenFits, 'the terminal fits its columns to the width').toBe(true);
    mkdirSync(screenshots, { recursive: true });
    await hello.screenshot({ path: join(screenshots, 'guests-390.png') });
    await page.close();
  }, 120_000);

  it('shows 100-column code without scrolling on chapter pages at 1400 px', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    let blocks = 0;
    const scrolling: string[] = [];
    for (const c of [
      '01-virtualization',
      '02-architecture',
      '03-shared-info',
      '04-grant-tables',
      '05-memory',
    ]) {
      if (!existsSync(join(root, 'chapters', c, 'README.md'))) continue;
      await page.goto(`${base}/${c}/`);
      const found = await page.locator('.vp-doc div[class*="language-"] pre').evaluateAll((pres) =>
        pres.map((p) => ({
          longest: Math.max(...(p.textContent ?? '').split('\n').map((l) => l.length)),
          scrolls: p.scrollWidth > p.clientWidth + 1,
          width: p.scrollWidth,
        })),
      );
      blocks += found.length;
      expect(await page.locator('svg.xenlab-figure').count(), `${c} has a figure`).toBeGreaterThan(
        0,
      );
      for (const [i, b] of found.entries()) {
        if (b.longest <= 100 && b.scrolls)
          scrolling.push(`${c} block ${i} (${b.longest} columns, ${b.width} px)`);
      }
    }
    console.log(
      `site: ${blocks} code blocks on the chapter pages, ${scrolling.length} of ≤ 100 columns scroll`,
    );
    expect(scrolling).toEqual([]);
    await page.close();
  }, 120_000);

  it('works below a sub-path (a GitHub Pages build): links and a console', async () => {
    buildIfStale(distBase, BASE, REPO_URL);
    const sub = serve(distBase, BASE);
    await new Promise<void>((resolve) => sub.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(sub.address() as AddressInfo).port}`;
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${origin}${BASE}`);
    // The clone step, with the repository's address.
    expect(await page.locator('.get-the-code').textContent()).toContain(
      'git clone https://github.com/example/xenlab.git xenlab && cd xenlab',
    );
    const links = await page
      .locator('.book-contents a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    expect(links.length).toBeGreaterThan(0);
    expect(links.every((l) => l.startsWith(BASE))).toBe(true);
    await page.locator('.book-contents a').first().click();
    await expect.poll(() => page.locator('.vp-doc h1').count()).toBeGreaterThan(0);
    expect(new URL(page.url()).pathname.startsWith(BASE)).toBe(true);
    await page.goto(`${origin}${BASE}guests`);
    const hello = page.locator('.guest-console[data-guest="hello"]').first();
    await hello.scrollIntoViewIfNeeded();
    await statusOf(hello, 'booted');
    await hello.locator('button.run').click();
    await statusOf(hello, 'ended');
    expect(errors).toEqual([]);
    await page.close();
    await new Promise((resolve) => sub.close(resolve));
  }, 600_000);

  it('runs bench/loop.asm in the worker and reports MIPS', async () => {
    const { page, errors } = await open('/guests');
    await page.locator('.sim-speed button').click();
    await page.waitForFunction(
      () => document.querySelector('.sim-speed')?.getAttribute('data-mips') !== '',
      undefined,
      { timeout: 60_000 },
    );
    const mips = Number(await page.locator('.sim-speed').getAttribute('data-mips'));
    console.log(`site: loop MIPS in the browser worker ${mips}`);
    expect(mips).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
