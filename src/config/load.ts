import type { NodeOptions, OptionKey, ResolvedNodeOptions } from './options.js'
import type { OptionSources, OptionValues } from './option-specs.js'
import { defaultNodeOptions } from './defaults.js'
import { configFileSource, readConfigFile } from './config-file.js'
import { readEnvOptions } from './env-options.js'
import { pickOptions } from './pick-options.js'
import { validateOptions } from './validate.js'
import { configFileEnv, envName, flagName } from './names.js'
import { ConfigError } from './errors.js'

export interface ResolveInput {
  /** Options from library code (`createNode(options)`). */
  options?: NodeOptions
  /** Path of a JSON config file; when absent, MCP_CONFIG names it, if set. */
  file?: string
  /** Environment to read MCP_* variables from. Default process.env; pass {} to ignore it. */
  env?: NodeJS.ProcessEnv
  /** Options from command-line flags, only those the user gave (see flagsToOptions). */
  flags?: Partial<NodeOptions>
  /** Receives non-fatal findings such as unknown MCP_* variables. Default: process.emitWarning. */
  onWarning?: (message: string) => void
}

const OPTIONS_SOURCE = 'the options object'

/**
 * The one path from options to a complete, valid configuration, for the library and the CLI
 * alike. Later sources win, option by option (a list or map is replaced, not merged):
 * defaults < config file < MCP_* environment < library options < flags.
 * Throws ConfigError listing every problem found.
 */
export function resolveOptions (input: ResolveInput = {}): ResolvedNodeOptions {
  const env = input.env ?? process.env
  const warn = input.onWarning ?? ((message: string) => { process.emitWarning(message, 'ConfigWarning') })
  const merged: Record<string, unknown> = { ...defaultNodeOptions(env) }
  const sources: OptionSources = {}
  const problems: string[] = []
  const apply = (values: OptionValues, sourceOf: (key: OptionKey) => string): void => {
    for (const [key, value] of Object.entries(values) as Array<[OptionKey, unknown]>) {
      merged[key] = copy(value)
      sources[key] = sourceOf(key)
    }
  }

  const file = input.file ?? nonEmpty(env[configFileEnv])
  if (file !== undefined) {
    const fromFile = readConfigFile(file)
    problems.push(...fromFile.problems)
    apply(fromFile.values, () => configFileSource(file))
  }

  const fromEnv = readEnvOptions(env)
  problems.push(...fromEnv.problems)
  for (const warning of fromEnv.warnings) warn(warning)
  apply(fromEnv.values, envName)

  for (const [layer, where, sourceOf] of [
    [input.options, OPTIONS_SOURCE, () => OPTIONS_SOURCE],
    [input.flags, 'command-line flags', flagName]
  ] as const) {
    if (layer === undefined) continue
    const picked = pickOptions(layer, where)
    problems.push(...picked.problems)
    apply(picked.values, sourceOf)
  }

  const resolved = merged as ResolvedNodeOptions
  problems.push(...validateOptions(resolved, sources))
  if (problems.length > 0) throw new ConfigError(problems)
  return resolved
}

// Callers keep their arrays and maps; later mutation on either side must not leak across.
function copy (value: unknown): unknown {
  if (Array.isArray(value)) return [...value]
  if (typeof value === 'object' && value !== null) return { ...value }
  return value
}

function nonEmpty (s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s
}
