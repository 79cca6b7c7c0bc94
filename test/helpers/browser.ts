// Headless Chromium (Debian's `chromium` package) driven by playwright-core, for the admin
// page's tests. A missing browser fails at once with the command that installs it
// (scripts/ensure-chromium.sh runs it before `npm test` and in CI).
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'

export const CHROMIUM = process.env.MOOR_CHROMIUM ?? '/usr/bin/chromium'
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots')

export async function launchBrowser (): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install it with \`apt-get update && apt-get install -y chromium\` (as root; scripts/ensure-chromium.sh does it)`)
  }
  // --no-sandbox: the tests run as root, where Chromium's sandbox cannot start.
  return await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
}

/** Saves a full-page PNG to test-results/screenshots/<name>.png for review; its path. */
export async function screenshot (page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  const file = path.join(SCREENSHOT_DIR, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}
