/**
 * `npm run spec:check`: fails when the committed bundle (what the API serves) or the generated types no
 * longer follow from openapi/openapi.yaml and the files it references. `npm run generate` brings both up to date.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const bin = (name: string): string => join(here, '..', 'node_modules', '.bin', name)
const scratch = mkdtempSync(join(tmpdir(), 'spec-check-'))
try {
  const bundle = join(scratch, 'openapi.bundle.yaml')
  execFileSync(bin('redocly'), ['bundle', join(here, 'openapi.yaml'), '-o', bundle], { stdio: 'ignore' })
  if (readFileSync(bundle, 'utf8') !== readFileSync(join(here, 'openapi.bundle.yaml'), 'utf8')) {
    console.error('openapi/openapi.bundle.yaml is stale: run `npm run generate`')
    process.exit(1)
  }
  execFileSync(bin('openapi-typescript'), [join(here, 'openapi.bundle.yaml'), '-o', join(here, 'schema.d.ts'), '--check'], { stdio: 'inherit' })
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
