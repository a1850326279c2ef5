import { optionKeys, optionSpecs, type OptionValues } from './option-specs.js'
import { parseOptionText } from './option-text.js'
import { invalidOption } from './problems.js'
import { configFileEnv, envName } from './names.js'
import { closestName } from './suggest.js'

export interface EnvOptions {
  values: OptionValues
  /** Values that do not parse; they make resolution fail. */
  problems: string[]
  /** Unknown MCP_* variables. Only warned about: shells carry stray variables, and other tools share the prefix. */
  warnings: string[]
}

const knownNames = [configFileEnv, ...optionKeys.map(envName)]

/** Options from MCP_* variables. An empty variable counts as unset. */
export function readEnvOptions (env: NodeJS.ProcessEnv): EnvOptions {
  const values: OptionValues = {}
  const problems: string[] = []
  for (const key of optionKeys) {
    const name = envName(key)
    const raw = env[name]
    if (raw === undefined || raw.trim() === '') continue
    const parsed = parseOptionText(optionSpecs[key].kind, raw)
    if (parsed.ok) values[key] = parsed.value
    else problems.push(invalidOption(key, raw, name))
  }
  const warnings = Object.keys(env)
    .filter(name => name.startsWith('MCP_') && !knownNames.includes(name))
    .map(name => {
      const guess = closestName(name, knownNames)
      return `ignoring unknown environment variable ${name}${guess === undefined ? '' : ` (did you mean ${guess}?)`}`
    })
  return { values, problems, warnings }
}
