// Deployment files: what `moor deploy <chain>`, `moor devnet --out` and the chains' deploy
// scripts write (the chain module's DeploymentRecord, as JSON).
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'

/** The deployment file's default name for a chain. */
export function deploymentFileName (kind: string): string {
  return `${kind}-deployment.json`
}

/** Writes a deployment file (JSON, mode 0644); returns its absolute path. */
export function writeDeploymentFile (file: string, record: object): string {
  const out = resolve(file)
  writeFileSync(out, JSON.stringify(record, null, 2) + '\n')
  return out
}
