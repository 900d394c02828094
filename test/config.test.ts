// Settings: every variable in README.md, every bad value named with an example, no secret echoed.
import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig, parseStartDate } from '../src/config.ts'

const NOW = new Date('2026-06-15T12:00:00Z')
const GOOD = { BIGCOMMERCE_STORE_HASH: 'abc123', BIGCOMMERCE_ACCESS_TOKEN: 'token-value-123' }

function problemsOf(
  env: Record<string, string>,
  needs = { store: true, webhookSecret: true },
): string[] {
  try {
    parseConfig(env, needs, NOW)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}

describe('parseStartDate', () => {
  it.each([
    ['01/31/2024', '2024-01-31'],
    ['1/2/2024', '2024-01-02'],
    ['2024-02-29', '2024-02-29'],
    ['02/29/2024', '2024-02-29'],
  ])('reads %s as %s (UTC midnight)', (text, day) => {
    expect(parseStartDate(text)?.toISOString()).toBe(`${day}T00:00:00.000Z`)
  })

  it.each([
    '13/45/2024',
    '2024-02-30',
    '02/30/2023',
    '2023-02-29',
    '2024-13-01',
    '31/01/2024',
    'yesterday',
    '2024/01/31',
    '',
  ])('rejects %s', (text) => {
    expect(parseStartDate(text)).toBeNull()
  })
})

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig(GOOD, { store: true }, NOW)
    expect(config).toMatchObject({
      storeHash: 'abc123',
      apiUrl: 'https://api.bigcommerce.com',
      dataDir: './data',
      port: 3000,
      startDate: undefined,
      databaseUrl: undefined,
      schedule: { incrementalMinutes: 15, couponsMinutes: 60, fullMinutes: 1440, hooksMinutes: 60 },
    })
  })

  it('reads every setting', () => {
    const config = parseConfig(
      {
        ...GOOD,
        BIGCOMMERCE_CLIENT_ID: 'client',
        BIGCOMMERCE_CLIENT_SECRET: 'client-secret',
        BIGCOMMERCE_START_DATE: '03/01/2024',
        BIGCOMMERCE_API_URL: 'http://127.0.0.1:4010/',
        DATABASE_URL: 'postgres://u:p@localhost:5432/db',
        DATA_DIR: '/var/lib/mirror',
        WEBHOOK_SECRET: '0123456789abcdef0123',
        PORT: '8080',
        SYNC_INTERVAL_MINUTES: '0',
      },
      { store: true, webhookSecret: true },
      NOW,
    )
    expect(config).toMatchObject({
      clientId: 'client',
      clientSecret: 'client-secret',
      apiUrl: 'http://127.0.0.1:4010',
      databaseUrl: 'postgres://u:p@localhost:5432/db',
      dataDir: '/var/lib/mirror',
      webhookSecret: '0123456789abcdef0123',
      port: 8080,
    })
    expect(config.startDate?.toISOString()).toBe('2024-03-01T00:00:00.000Z')
    expect(config.schedule.incrementalMinutes).toBe(0)
  })

  it('takes fractions of a minute for the schedule, down to 0.1 (6 s)', () => {
    const config = parseConfig(
      {
        ...GOOD,
        SYNC_INTERVAL_MINUTES: '0.25',
        COUPONS_INTERVAL_MINUTES: '0.1',
        FULL_SYNC_INTERVAL_MINUTES: '90.5',
      },
      { store: true },
      NOW,
    )
    expect(config.schedule).toMatchObject({
      incrementalMinutes: 0.25,
      couponsMinutes: 0.1,
      fullMinutes: 90.5,
    })
  })

  it('names every missing required setting in one error', () => {
    const problems = problemsOf({})
    expect(problems).toHaveLength(3)
    expect(problems[0]).toMatch(/^BIGCOMMERCE_STORE_HASH is missing\. Expected .*e\.g\. /)
    expect(problems[1]).toMatch(/^BIGCOMMERCE_ACCESS_TOKEN is missing/)
    expect(problems[2]).toMatch(/^WEBHOOK_SECRET is missing\. Expected .*e\.g\. /)
  })

  it.each([
    [
      'BIGCOMMERCE_START_DATE',
      '13/45/2024',
      /not a real date\. Expected MM\/DD\/YYYY or YYYY-MM-DD, e\.g\./,
    ],
    ['BIGCOMMERCE_START_DATE', '2024-02-30', /not a real date/],
    ['BIGCOMMERCE_START_DATE', '2026-06-16', /in the future/],
    ['BIGCOMMERCE_STORE_HASH', 'stores/abc', /letters and digits only.*e\.g\. abc123xyz/],
    [
      'BIGCOMMERCE_API_URL',
      'api.bigcommerce.com',
      /http\(s\) URL.*e\.g\. https:\/\/api\.bigcommerce\.com/,
    ],
    ['DATABASE_URL', 'mysql://localhost/db', /postgres:\/\/ URL, e\.g\./],
    ['PORT', '70000', /PORT must be a whole number from 1 to 65535, e\.g\. PORT=3000/],
    ['PORT', 'eighty', /PORT must be a whole number/],
    [
      'SYNC_INTERVAL_MINUTES',
      '0.05',
      /must be minutes from 0\.1 to 10080 \(fractions allowed: 0\.5 is 30 s\), or 0 to turn the job off, e\.g\. SYNC_INTERVAL_MINUTES=15/,
    ],
    ['COUPONS_INTERVAL_MINUTES', '-1', /must be minutes from 0\.1 to 10080/],
    ['FULL_SYNC_INTERVAL_MINUTES', 'daily', /must be minutes from 0\.1 to 10080/],
    ['HOOKS_CHECK_INTERVAL_MINUTES', '10081', /must be minutes from 0\.1 to 10080/],
    ['WEBHOOK_SECRET', 'short', /at least 16 characters/],
  ])('rejects %s=%s with a message that says what is expected', (name, value, message) => {
    const problems = problemsOf({ ...GOOD, WEBHOOK_SECRET: '0123456789abcdef', [name]: value })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(new RegExp(`^${name}`))
    expect(problems[0]).toMatch(message)
  })

  it('shows bad non-secret values, but never secret ones', () => {
    const secret = 'sk_live_DO_NOT_PRINT'
    const problems = problemsOf({
      ...GOOD,
      BIGCOMMERCE_ACCESS_TOKEN: '   ',
      WEBHOOK_SECRET: secret.slice(0, 10),
      DATABASE_URL: `mysql://admin:${secret}@db/x`,
      PORT: 'abc',
    })
    const text = problems.join('\n')
    expect(text).toContain('(got "abc")')
    expect(text).toContain(
      'DATABASE_URL must be a postgres:// URL, e.g. postgres://user:password@localhost:5432/mirror (or unset it to use the embedded database) (got a URL starting "mysql:")',
    )
    expect(text).not.toContain(secret)
    expect(text).not.toContain(secret.slice(0, 10))
    expect(problems).toHaveLength(4)
  })

  it('requires store and webhook settings only where the command needs them', () => {
    expect(() => parseConfig({}, {}, NOW)).not.toThrow()
    expect(problemsOf({ ...GOOD }, { store: true, webhookSecret: false })).toEqual([])
  })
})

describe('DATABASE_URL shapes that cannot work', () => {
  it.each([
    ['postgres://mirror:pa#ss@db/mirror', 'the user name or password holds a "#"', 'pa#ss'],
    ['postgres://mirror:12#x@db/mirror', 'the user name or password holds a "#"', '12#x'],
    ['postgres://mirror:pa?ss@db/mirror', 'the user name or password holds a "?"', 'pa?ss'],
    ['postgres://mirror:p%zz@db/mirror', 'holds a "%" that is not an escape', 'p%zz'],
    ['postgres://u:pw@h1:5432,h2:5432/db', 'names several hosts', ':pw@'],
    ['postgres://u:pw@db:99999/x', 'the port 99999 is out of range', ':pw@'],
    ['postgres://mirror:hunter2', 'the port is not a number', 'hunter2'],
    ['postgres://u:pw@db /x', 'cannot be read as a URL', ':pw@'],
  ])('%s: one line naming the problem, no password', (url, problem, secret) => {
    const problems = (() => {
      try {
        parseConfig({ DATABASE_URL: url })
        return []
      } catch (error) {
        return (error as ConfigError).problems
      }
    })()
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain(problem)
    expect(problems[0]).not.toContain(secret)
  })

  it.each([
    'postgres://u:p@db:5432/x?application_name=a@b',
    'postgres://u:p@[::1]:5432/x',
    'postgresql://db/mirror?sslmode=require',
    'postgres://u:pa%23ss@db/x',
  ])('%s is accepted', (url) => {
    expect(parseConfig({ DATABASE_URL: url }).databaseUrl).toBe(url)
  })
})

describe('HOST and PGLITE_IDLE_TIMEOUT_SECONDS', () => {
  it('default to 127.0.0.1 and 30 s, and take addresses, names and whole seconds', () => {
    expect(parseConfig({})).toMatchObject({ host: '127.0.0.1', pgliteIdleTimeoutSeconds: 30 })
    expect(parseConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0')
    expect(parseConfig({ HOST: '[::]' }).host).toBe('::')
    expect(parseConfig({ HOST: 'mirror.internal' }).host).toBe('mirror.internal')
    expect(parseConfig({ PGLITE_IDLE_TIMEOUT_SECONDS: '5' }).pgliteIdleTimeoutSeconds).toBe(5)
  })

  it('refuse what is neither, in one line each', () => {
    expect(() => parseConfig({ HOST: 'http://0.0.0.0' })).toThrow(/HOST must be an address/)
    expect(() => parseConfig({ PGLITE_IDLE_TIMEOUT_SECONDS: '0' })).toThrow(
      /PGLITE_IDLE_TIMEOUT_SECONDS must be whole seconds from 1 to 3600/,
    )
  })
})

describe('API_RETRY_BASE_MS', () => {
  it('defaults to 1 s and takes whole milliseconds down to 10', () => {
    expect(parseConfig({}).apiRetryBaseMs).toBe(1000)
    expect(parseConfig({ API_RETRY_BASE_MS: '50' }).apiRetryBaseMs).toBe(50)
  })

  it('refuses less than 10 or a fraction, in one line', () => {
    for (const value of ['5', '12.5', 'soon'])
      expect(() => parseConfig({ API_RETRY_BASE_MS: value })).toThrow(
        /API_RETRY_BASE_MS must be milliseconds from 10 to 60000, e.g. API_RETRY_BASE_MS=1000/,
      )
  })
})
