import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/**
 * A real headless browser for the tests: Debian's `chromium` package (scripts/install-system-deps.sh
 * installs it), driven by playwright-core, which downloads no browser of its own. Every launch has
 * a fresh profile (playwright-core gives each launch a temporary one) and no background traffic: the tests' pages may reach nothing but what the test
 * itself serves. (test/support/browser.ts is a cookie-jar HTTP client for login flows, not a browser.)
 */
export const CHROMIUM = process.env.ORDER_TRACING_CHROMIUM ?? "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (bash scripts/install-system-deps.sh)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}
