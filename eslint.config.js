import neostandard from 'neostandard'

/**
 * The architecture's arrows, enforced: infrastructure (plugins/) and the contract primitives (openapi/)
 * never reach into features (modules/), and a module reaches into another module only through its public
 * surface: its entities (`*.entity.js`), its services' exported functions (`*.service.js`), and the
 * representations it lends to other modules' answers (`<module>.contract.js`).
 */
const boundaries = [
  {
    files: ['plugins/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '(^|/)modules/',
          message: 'Infrastructure never imports a feature module: take what you need as an option or a type, or move the shared piece below both.'
        }]
      }]
    }
  },
  {
    files: ['openapi/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '(^|/)(modules|plugins)/',
          message: 'The contract primitives sit below everything: they import neither plugins nor modules.'
        }]
      }]
    }
  },
  {
    files: ['modules/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          {
            regex: '^\\.\\./[^./][^/]*/(?![^/]+\\.(entity|service|contract)\\.js$)',
            message: 'Another module is used through its entities (*.entity.js), services (*.service.js) and contract (*.contract.js) only; its routes, schemas, errors, emails and helpers are its own.'
          },
          {
            regex: '^(\\.\\./){2,}modules/',
            message: 'Import a sibling module as ../<module>/<file>.entity.js or .service.js.'
          }
        ]
      }]
    }
  }
]

export default [
  ...neostandard({
    ts: true,
    ignores: ['node_modules/**', 'dist/**', 'data/**', 'coverage/**', '.tap/**', 'openapi/schema.d.ts', 'migrations/**']
  }),
  ...boundaries
]
