// `npm run bench`: every benchmark, JSON + a table. `npm run bench -- core` runs one suite.
import { benchChain } from './chain.ts'
import { benchClaims } from './claims.ts'
import { benchCore } from './core.ts'
import { benchFlood } from './flood.ts'
import { report } from './report.ts'
import { benchSync } from './sync.ts'

const suites: Record<string, () => Promise<unknown>> = {
  core: async () => { report('core', await benchCore()) },
  sync: async () => {
    const { figures, extra } = await benchSync()
    report('sync', figures, extra)
  },
  claims: async () => { report('claims', await benchClaims()) },
  flood: async () => {
    const { figures, extra } = await benchFlood()
    report('flood', figures, extra)
  },
  chain: async () => {
    const { figures, extra } = await benchChain()
    report('chain', figures, extra)
  }
}

const chosen = process.argv.slice(2).filter((a) => !a.startsWith('-'))
for (const name of chosen.length > 0 ? chosen : Object.keys(suites)) {
  const suite = suites[name]
  if (suite === undefined) {
    console.error(`unknown suite ${name}; suites: ${Object.keys(suites).join(', ')}`)
    process.exit(2)
  }
  await suite()
}
