import { invalidField } from '../../plugins/problem.js'
import type { ProductOption } from './product.entity.js'

/**
 * How option values identify a variant within its product: each option's name and value, lower-cased, in
 * name order. Two variants of one product never share a key (a unique constraint); a product without
 * options has one variant, whose key is empty.
 */
export function optionKey (values: Record<string, string>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name.trim().toLowerCase()}=${value.trim().toLowerCase()}`)
    .sort()
    .join('|')
}

/** Why these option values are not valid for these options, or undefined when they are. */
export function optionValuesProblem (options: ProductOption[], values: Record<string, string>): string | undefined {
  const names = Object.keys(values)
  for (const option of options) {
    const value = values[option.name]
    if (value === undefined) return `must give a value for the option ${option.name}`
    if (!option.values.includes(value)) return `must give ${option.name} one of ${option.values.join(', ')}`
  }
  const unknown = names.find((name) => !options.some((option) => option.name === name))
  if (unknown !== undefined) return options.length === 0 ? 'must be empty: the product has no options' : `names ${unknown}, which is not an option of the product`
  return undefined
}

/** Checks option values against the options, answering 400 at `pointer`; returns the variant's key and default title. */
export function checkOptionValues (options: ProductOption[], values: Record<string, string>, pointer: string): { key: string, defaultTitle: string } {
  const problem = optionValuesProblem(options, values)
  if (problem !== undefined) throw invalidField(pointer, problem)
  return { key: optionKey(values), defaultTitle: options.length === 0 ? 'Default' : options.map((option) => values[option.name]).join(' / ') }
}

/** Options need distinct names (compared case-insensitively). */
export function checkOptions (options: ProductOption[], pointer: string): void {
  const seen = new Set<string>()
  options.forEach((option, index) => {
    const name = option.name.trim().toLowerCase()
    if (seen.has(name)) throw invalidField(`${pointer}/${index}/name`, 'repeats the name of another option')
    seen.add(name)
  })
}
