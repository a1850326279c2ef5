import type { OptionKind } from './option-specs.js'

export type TextParse = { ok: true, value: unknown } | { ok: false }

const INTEGER = /^[+-]?\d+$/
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i
const BOOLEANS = new Map([['true', true], ['1', true], ['false', false], ['0', false]])

/**
 * Turns the text of an env var or flag into a value of the option's kind. Only the syntax is
 * checked here; ranges are checked by validateOptions so every source gets the same rules.
 * Lists and maps are comma-separated, so list items and label values cannot contain commas.
 */
export function parseOptionText (kind: OptionKind, text: string): TextParse {
  const t = text.trim()
  switch (kind) {
    case 'string': return { ok: true, value: t }
    case 'boolean': {
      const b = BOOLEANS.get(t.toLowerCase())
      return b === undefined ? { ok: false } : { ok: true, value: b }
    }
    case 'integer': return INTEGER.test(t) ? { ok: true, value: Number(t) } : { ok: false }
    case 'number': return DECIMAL.test(t) ? { ok: true, value: Number(t) } : { ok: false }
    case 'string-list': return { ok: true, value: splitList(t) }
    case 'string-map': return parsePairs(t, v => v)
    case 'number-map': return parsePairs(t, v => DECIMAL.test(v) ? Number(v) : undefined)
  }
}

function splitList (text: string): string[] {
  return text.split(',').map(s => s.trim()).filter(s => s.length > 0)
}

function parsePairs (text: string, parseValue: (v: string) => unknown): TextParse {
  const entries: Array<[string, unknown]> = []
  for (const pair of splitList(text)) {
    const eq = pair.indexOf('=')
    if (eq <= 0) return { ok: false }
    const value = parseValue(pair.slice(eq + 1).trim())
    if (value === undefined) return { ok: false }
    entries.push([pair.slice(0, eq).trim(), value])
  }
  // fromEntries defines own properties, so a key like __proto__ cannot vanish into the prototype.
  return { ok: true, value: Object.fromEntries(entries) }
}
