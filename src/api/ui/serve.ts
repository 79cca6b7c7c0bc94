// The admin page: a static shell at `/` and its bundle at `/ui/*`, served without the token.
// They hold no data: the page asks for the token (kept in sessionStorage) and sends it as
// `Authorization: Bearer` on every API call, so a data call without it still answers 401.
// The bundle is built by scripts/build-ui.ts (run by `npm install` and `npm test`).

import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Router } from 'express'
import type { Response } from 'express'
import { NotBuiltError } from '../../errors/index.ts'
import { validated } from '../schema.ts'

export const UI_DIR = import.meta.dirname
export const UI_BUILD_DIR = join(UI_DIR, 'build')

/** Scripts, styles and API calls from this origin only; no inline code, no framing, no plugins. */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'"
].join('; ')

/** Files of the bundle, by the path they are served at. */
const ASSETS: Record<string, { file: string, type: string }> = {
  '/ui/app.js': { file: join(UI_BUILD_DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/ui/app.css': { file: join(UI_DIR, 'style.css'), type: 'text/css; charset=utf-8' }
}

/** Paths the page is served at, answered without the token. */
export const UI_PATHS: readonly string[] = ['/', ...Object.keys(ASSETS)]

export function uiRoutes (): Router {
  const router = Router()
  const shell = readFileSync(join(UI_DIR, 'index.html'))
  router.get('/', validated({}), (_req, res) => {
    secure(res)
    res.type('html').send(shell)
  })
  for (const [path, asset] of Object.entries(ASSETS)) {
    router.get(path, validated({}), (_req, res) => {
      if (!existsSync(asset.file)) {
        throw new NotBuiltError('the admin page is not built', { hint: 'run `node scripts/build-ui.ts` (npm install and npm test run it)' })
      }
      secure(res)
      res.type(asset.type).send(readFileSync(asset.file))
    })
  }
  return router
}

function secure (res: Response): void {
  res.set({
    'Content-Security-Policy': UI_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store'
  })
}
