import { isOptionKey, optionKeys, type OptionValues } from './option-specs.js'
import { closestName } from './suggest.js'

export interface Picked {
  values: OptionValues
  problems: string[]
}

/**
 * The options in an object from a config file or a caller. Unknown keys are problems, since
 * they are most likely typos that would otherwise be silently ignored; undefined means unset.
 */
export function pickOptions (input: unknown, where: string): Picked {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { values: {}, problems: [`${where} must be an object of options, got ${Array.isArray(input) ? 'an array' : String(input)}`] }
  }
  const values: OptionValues = {}
  const problems: string[] = []
  for (const [name, value] of Object.entries(input)) {
    if (!isOptionKey(name)) {
      const guess = closestName(name, optionKeys)
      problems.push(`unknown option "${name}" in ${where}${guess === undefined ? '' : ` (did you mean "${guess}"?)`}`)
    } else if (value !== undefined) {
      values[name] = value
    }
  }
  return { values, problems }
}
