/** Thrown by resolveOptions; lists every problem found, not just the first. */
export class ConfigError extends Error {
  static override name = 'ConfigError'
  override readonly name = 'ConfigError'
  readonly problems: readonly string[]

  constructor (problems: readonly string[]) {
    super(problems.length === 1
      ? problems[0]
      : `invalid configuration, ${problems.length} problems:\n  - ${problems.join('\n  - ')}`)
    this.problems = problems
  }
}
