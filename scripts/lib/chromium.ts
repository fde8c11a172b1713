// Launches the machine's Chromium for end-to-end tests and benchmarks. Playwright's own browser
// download cannot work here (no internet), so this drives Debian's /usr/bin/chromium through
// playwright-core. The flags keep Chromium from calling home: the network is closed, and a browser
// that contacts hosts nobody configured would also break our own privacy rules.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function chromiumPath(): string {
  for (const p of CANDIDATES) if (p && existsSync(p)) return p;
  throw new Error('Chromium not found: install it (apt-get install -y chromium) or set CHROMIUM_PATH');
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A fresh headless Chromium. Each call gets its own process; close it when done. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
}
