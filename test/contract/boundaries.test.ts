import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { ESLint } from 'eslint'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** What `npm run lint` says of a file with this text at this path: the rule ids it breaks. */
async function lint (path: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root })
  const [result] = await eslint.lintText(code, { filePath: join(root, path) })
  return (result?.messages ?? []).filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message)
}

t.test('the lint rule refuses imports against the architecture, and allows the public surface', async (t) => {
  const refused: Array<[string, string]> = [
    ['plugins/fixture.ts', "import { User } from '../modules/auth/user.entity.js'\n"],
    ['plugins/db/fixture.ts', "import type { Role } from '../../modules/auth/user.entity.js'\n"],
    ['openapi/fixture.ts', "import { ProblemError } from '../plugins/problem.js'\n"],
    ['modules/staff/fixture.ts', "import { emailTaken } from '../auth/auth.errors.js'\n"],
    ['modules/staff/fixture.ts', "import { authRoutes } from '../auth/auth.routes.js'\n"],
    ['modules/staff/fixture.ts', "import { SignUpRequestSchema } from '../auth/auth.schemas.js'\n"],
    ['modules/staff/fixture.ts', "import { hashPassword } from '../auth/passwords.js'\n"],
    ['modules/customers/fixture.ts', "import { staffCredentialsEmail } from '../auth/auth.emails.js'\n"],
    ['modules/customers/fixture.ts', "import { User } from '../../modules/auth/user.entity.js'\n"]
  ]
  for (const [path, code] of refused) {
    const messages = await lint(path, code)
    t.equal(messages.length, 1, `${path}: ${code.trim()} is refused`)
  }
  const allowed: Array<[string, string]> = [
    ['plugins/fixture.ts', "import { ProblemError } from './problem.js'\nimport { isUuid } from '../openapi/shared.schemas.js'\n"],
    ['modules/staff/fixture.ts', "import { User } from '../auth/user.entity.js'\nimport { createAccount } from '../auth/account.service.js'\nimport { staffRoutes } from './staff.routes.js'\nimport { findPage } from '../../plugins/pagination.js'\nimport { IdSchema } from '../../openapi/shared.schemas.js'\n"]
  ]
  for (const [path, code] of allowed) t.same(await lint(path, code), [], `${path}: the public surface and shared layers are allowed`)
})

/** Every TypeScript file of a layer of the app, with the relative imports it makes (resolved to files). */
async function importGraph (): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>()
  const walk = async (directory: string): Promise<void> => {
    for (const entry of await readdir(join(root, directory), { withFileTypes: true })) {
      const path = join(directory, entry.name)
      if (entry.isDirectory()) await walk(path)
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const text = await readFile(join(root, path), 'utf8')
        const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((match) => match[1] ?? '')
        graph.set(path, specifiers.map((specifier) => relative(root, resolve(root, dirname(path), specifier)).replace(/\.js$/, '.ts')))
      }
    }
  }
  for (const layer of ['openapi', 'plugins', 'modules']) await walk(layer)
  return graph
}

/** The cycles of a directed graph (Tarjan's strongly connected components of more than one node, or a self-loop). */
function cycles (graph: Map<string, string[]>): string[][] {
  let index = 0
  const indices = new Map<string, number>()
  const lowlinks = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (node: string): void => {
    indices.set(node, index)
    lowlinks.set(node, index)
    index++
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue
      if (!indices.has(next)) {
        visit(next)
        lowlinks.set(node, Math.min(lowlinks.get(node) ?? 0, lowlinks.get(next) ?? 0))
      } else if (onStack.has(next)) {
        lowlinks.set(node, Math.min(lowlinks.get(node) ?? 0, indices.get(next) ?? 0))
      }
    }
    if (lowlinks.get(node) === indices.get(node)) {
      const component: string[] = []
      let member: string | undefined
      do {
        member = stack.pop()
        if (member !== undefined) { onStack.delete(member); component.push(member) }
      } while (member !== undefined && member !== node)
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component)
    }
  }
  for (const node of graph.keys()) if (!indices.has(node)) visit(node)
  return found
}

t.test('the import graph: no arrow from plugins or openapi into modules, and no cycle among files or modules', async (t) => {
  const graph = await importGraph()
  t.ok(graph.size > 40, `${graph.size} files read`)
  for (const [file, targets] of graph) {
    if (file.startsWith('plugins/') || file.startsWith('openapi/')) {
      t.same(targets.filter((target) => target.startsWith('modules/')), [], `${file} imports no module`)
    }
    if (file.startsWith('openapi/')) t.same(targets.filter((target) => target.startsWith('plugins/')), [], `${file} imports no plugin`)
  }
  t.same(cycles(graph), [], 'no file imports itself through others')

  const moduleOf = (file: string): string | undefined => /^modules\/([^/]+)\//.exec(file)?.[1]
  const modules = new Map<string, string[]>()
  for (const [file, targets] of graph) {
    const from = moduleOf(file)
    if (from === undefined) continue
    const arrows = modules.get(from) ?? []
    for (const target of targets) {
      const to = moduleOf(target)
      if (to !== undefined && to !== from && !arrows.includes(to)) arrows.push(to)
    }
    modules.set(from, arrows)
  }
  t.same(cycles(modules), [], `modules depend on each other in one direction only: ${JSON.stringify(Object.fromEntries(modules))}`)
})
