// A QR code of a string as an SVG of dark modules (uqr encodes it; nothing leaves the page).
import { html } from 'htm/preact'
import type { VNode } from 'preact'
import { encode } from 'uqr'

export function Qr ({ text }: { text: string }): VNode {
  let data: boolean[][]
  try {
    data = encode(text, { ecc: 'L', border: 2 }).data
  } catch {
    return html`<p class="muted">too long for a QR code: copy the string instead</p>`
  }
  const size = data.length
  let d = ''
  data.forEach((row, y) => { row.forEach((dark, x) => { if (dark) d += `M${x} ${y}h1v1h-1z` }) })
  return html`<svg class="qr" role="img" aria-label="QR code of the invitation" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges">
    <rect width=${size} height=${size} fill="#fff"/><path d=${d} fill="#000"/>
  </svg>`
}
