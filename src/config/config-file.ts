import { readFileSync } from 'node:fs'
import { pickOptions, type Picked } from './pick-options.js'

/** How a config file is named in messages and sources. */
export function configFileSource (path: string): string {
  return `config file ${path}`
}

/** Options from a JSON config file; unreadable files, bad JSON and unknown keys are problems. */
export function readConfigFile (path: string): Picked {
  const where = configFileSource(path)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    return { values: {}, problems: [`cannot read ${where}: ${err instanceof Error ? err.message : String(err)}`] }
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    return { values: {}, problems: [`${where} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`] }
  }
  return pickOptions(data, where)
}
