// Debian's Chromium for the browser tiers (the portable core, the book): where it is, whether a
// tier must run, and how it is launched headless on a machine without a display or network.

import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** XENLAB_REQUIRE_BROWSER=1 (as in CI): a missing Chromium fails the tier instead of skipping. */
export const browserRequired = process.env.XENLAB_REQUIRE_BROWSER === '1';
export const browserPresent = existsSync(CHROMIUM);

/** Says why `tier` is skipped when there is no Chromium and nothing requires one. */
export function warnIfSkipped(tier: string): void {
  if (!browserPresent && !browserRequired) {
    console.warn(`${tier} tier skipped: ${CHROMIUM} not found (apt-get install chromium)`);
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
