import type { OptionKey, ResolvedNodeOptions } from './options.js'
import { optionKeys, optionSpecs, type OptionSources } from './option-specs.js'
import { fromSource, invalidOption, showOption } from './problems.js'
import { multiaddrProblem } from './multiaddr-check.js'
import { relations } from './relations.js'

/**
 * Every problem with a set of options, as messages that name the option, the bad value and,
 * when `sources` says, where it came from. Empty means valid. Never throws, so it is safe on
 * untyped input from JavaScript callers or JSON.
 */
export function validateOptions (o: ResolvedNodeOptions, sources: OptionSources = {}): string[] {
  const problems: string[] = []
  const valid = new Set<OptionKey>()
  for (const key of optionKeys) {
    const spec = optionSpecs[key]
    const value: unknown = o[key]
    if ((value === undefined && spec.optional === true) || spec.accepts(value)) valid.add(key)
    else problems.push(invalidOption(key, value, sources[key]))
  }

  for (const key of ['listen', 'peers'] as const) {
    if (!valid.has(key)) continue
    for (const addr of o[key]) {
      const why = multiaddrProblem(addr)
      if (why !== undefined) problems.push(`invalid option "${key}": ${JSON.stringify(addr)} is not a valid multiaddr (${why})${fromSource(sources[key])}`)
    }
  }

  const show = (key: OptionKey): string => showOption(key, o[key], sources[key])
  for (const r of relations) {
    if (r.keys.every(k => valid.has(k)) && !r.holds(o)) problems.push(r.problem(o, show))
  }
  return problems
}
