// Progress of long operations (join, sync) on stderr: a bar redrawn in place when stderr
// is a terminal, plain lines otherwise (one per phase, then every 10 %), so logs and CI
// output stay readable. Nothing goes to stdout.

import type { SyncProgressEvent } from '../node/types.ts'
import type { CommandIO } from './command.ts'
import { bytes } from './output.ts'

const BAR_WIDTH = 24
const REDRAW_MS = 80

const LABELS: Record<SyncProgressEvent['phase'], string> = {
  governance: 'governance',
  application: 'application',
  snapshot: 'snapshot',
  deltas: 'deltas'
}

export interface ProgressReporter {
  update: (p: SyncProgressEvent) => void
  /** Clears the bar (TTY) once the operation is over. */
  done: () => void
}

export function progressReporter (io: CommandIO): ProgressReporter {
  return io.stderrIsTTY === true ? barReporter(io) : lineReporter(io)
}

function amount (p: SyncProgressEvent): string {
  const fmt = (n: number): string => p.phase === 'application' ? bytes(n) : n.toLocaleString('en-US')
  return p.total === null ? fmt(p.done) : `${fmt(p.done)}/${fmt(p.total)}`
}

function barReporter (io: CommandIO): ProgressReporter {
  let last = 0
  let drawn = false
  let pending: SyncProgressEvent | null = null
  const draw = (p: SyncProgressEvent): void => {
    const label = LABELS[p.phase].padEnd(11)
    let line: string
    if (p.total === null || p.total === 0) {
      line = `${label} ${p.done === 0 ? 'fetching…' : amount(p)}`
    } else {
      const ratio = Math.min(1, p.done / p.total)
      const filled = Math.round(ratio * BAR_WIDTH)
      line = `${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${amount(p)}`
    }
    io.stderr(`\r\x1b[2K${line}`)
    drawn = true
    last = Date.now()
    pending = null
  }
  let phase: string | null = null
  return {
    update (p) {
      // A new phase or a finished one is drawn at once; the rest at most every REDRAW_MS.
      if (p.phase !== phase || p.done === p.total || Date.now() - last >= REDRAW_MS) { phase = p.phase; draw(p) } else pending = p
    },
    done () {
      if (pending !== null) draw(pending)
      if (drawn) io.stderr('\r\x1b[2K')
    }
  }
}

function lineReporter (io: CommandIO): ProgressReporter {
  let phase: string | null = null
  let decile = -1
  return {
    update (p) {
      const d = p.total === null || p.total === 0 ? -1 : Math.floor(Math.min(1, p.done / p.total) * 10)
      if (p.phase === phase && d <= decile) return
      phase = p.phase
      decile = d
      // Printed at most once per tenth, with the real percentage (3 of 4 is 75 %, not 70).
      const pct = d === -1 ? '' : ` (${Math.floor(Math.min(1, p.done / p.total!) * 100)}%)`
      io.stderr(`${LABELS[p.phase]}: ${p.total === null && p.done === 0 ? 'fetching' : amount(p)}${pct}\n`)
    },
    done () {}
  }
}

export interface StatusLine {
  /** Shows `text` as the current step: redrawn in place on a terminal, a line otherwise. */
  set: (text: string) => void
  /** Clears the line (TTY) once the operation is over. */
  done: () => void
}

/** One line of status on stderr for an operation without a measurable amount (a deployment). */
export function statusLine (io: CommandIO): StatusLine {
  let drawn = false
  return {
    set (text) {
      if (io.stderrIsTTY === true) {
        io.stderr(`\r\x1b[2K${text}`)
        drawn = true
      } else {
        io.stderr(text + '\n')
      }
    },
    done () {
      if (drawn) io.stderr('\r\x1b[2K')
      drawn = false
    }
  }
}
