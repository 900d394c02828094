// Secrets in printed values: every connection URL shape has its password hidden, wherever in a
// message or a JSON log line it appears (property tests over passwords holding @, /, :, ?, #, %).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { maskSecrets, redactUrl } from '../src/config.ts'
import { createJsonLogger } from '../src/util/log.ts'

/** Passwords people use: anything printable but spaces and quotes, with a marker to find it by. */
const password = fc
  .string({
    unit: fc.constantFrom(...'abcXYZ019@/:?#%!$*+=-_.~,[]'.split('')),
    minLength: 4,
    maxLength: 24,
  })
  .map((s) => `Qz7${s}`)

type Shape = (pw: string) => string
const USERINFO_SHAPES: Array<[string, Shape]> = [
  ['postgres://', (pw) => `postgres://mirror:${pw}@db.example.com:5432/mirror`],
  [
    'postgresql:// with options',
    (pw) => `postgresql://mirror:${pw}@db.example.com/mirror?sslmode=require`,
  ],
  ['postgres:/ (one slash)', (pw) => `postgres:/mirror:${pw}@db.example.com/x`],
  ['no scheme', (pw) => `mirror:${pw}@db.example.com/x`],
  ['no scheme, a user named like a scheme', (pw) => `postgres:${pw}@db.example.com/x`],
  ['jdbc:postgresql://', (pw) => `jdbc:postgresql://mirror:${pw}@db.example.com/x`],
]
const QUERY_SHAPES: Array<[string, Shape]> = [
  [
    'jdbc ?password=',
    (pw) => `jdbc:postgresql://db.example.com:5432/mirror?user=mirror&password=${pw}&ssl=true`,
  ],
  ['postgresql ?password=', (pw) => `postgresql://db.example.com/mirror?password=${pw}`],
  [
    'jdbc ;password=',
    (pw) => `jdbc:sqlserver://db.example.com;user=mirror;password=${pw};database=x`,
  ],
  ['sslpassword', (pw) => `postgres://mirror@db.example.com/x?sslpassword=${pw}`],
]
/** Where a URL ends up: alone, inside a sentence, quoted, in a JSON log line. */
const CONTEXTS: Array<(url: string) => string> = [
  (url) => url,
  (url) => `connect failed for ${url} (timeout)`,
  (url) => `DATABASE_URL is wrong (got "${url}")`,
  (url) => JSON.stringify({ level: 'error', msg: 'open failed', url, email: 'a@b.com' }),
]

describe('redactUrl', () => {
  it.each(USERINFO_SHAPES)(
    'hides a user:password@ password (%s), whatever it holds',
    (_name, shape) => {
      fc.assert(
        fc.property(password, fc.constantFrom(...CONTEXTS), (pw, context) => {
          const text = redactUrl(context(shape(pw)))
          expect(text).not.toContain(pw)
          expect(text).toMatch(/(mirror|postgres):\*\*\*@db\.example\.com/)
        }),
        { numRuns: 500 },
      )
    },
  )

  it.each(QUERY_SHAPES)('hides a password query parameter (%s)', (_name, shape) => {
    fc.assert(
      fc.property(password, fc.constantFrom(...CONTEXTS), (pw, context) => {
        const encoded = encodeURIComponent(pw)
        const text = redactUrl(context(shape(encoded)))
        expect(text).not.toContain(encoded)
        expect(text).toMatch(/password=\*\*\*/)
      }),
      { numRuns: 500 },
    )
  })

  it.each([
    ['connect ECONNREFUSED 127.0.0.1:5499'],
    ['postgres://mirror@db.example.com:5432/x'],
    ['mail a@b.com about it'],
    ['{"time":"2026-01-01T10:00:00Z","path":"/v2/orders","status":503}'],
  ])('leaves text without a password alone: %s', (text) => {
    expect(redactUrl(text)).toBe(text)
  })
})

describe('maskSecrets: the last line before anything is printed', () => {
  it('hides the configured database password wherever it appears, raw or percent-encoded', () => {
    fc.assert(
      fc.property(password, (pw) => {
        const env = { DATABASE_URL: `postgres://mirror:${encodeURIComponent(pw)}@db/x` }
        const text = maskSecrets(
          `auth failed (${pw}); url ${env.DATABASE_URL}; again ${encodeURIComponent(pw)}`,
          env,
        )
        expect(text).not.toContain(pw)
        expect(text).not.toContain(encodeURIComponent(pw))
      }),
    )
  })

  it('hides the API token and secrets', () => {
    const env = {
      BIGCOMMERCE_ACCESS_TOKEN: 'tok-abcdef',
      WEBHOOK_SECRET: 'whsec-123456',
      BIGCOMMERCE_CLIENT_SECRET: 'cs-987654',
    }
    expect(maskSecrets('a tok-abcdef b whsec-123456 c cs-987654', env)).toBe('a *** b *** c ***')
  })
})

describe('a secret that could be a word is hidden only where it stands as a value', () => {
  const env = {
    BIGCOMMERCE_ACCESS_TOKEN: 'wrong',
    DATABASE_URL: 'postgres://mirror:secret@db/x',
  }

  it('leaves sentences alone', () => {
    const sentence = 'the token is wrong; a secret thing went wrongly'
    expect(maskSecrets(sentence, env)).toBe(sentence)
    const lines: string[] = []
    const log = createJsonLogger(['postgres://mirror:secret@db/x'], (line) => lines.push(line))
    log('error', 'the secret is wrong', { error: 'a secret handshake' })
    expect(lines.join('')).toContain('"msg":"the secret is wrong","error":"a secret handshake"')
  })

  it('hides it as a value: after = or :, quoted, in a URL, after Bearer', () => {
    const cases: Array<[string, string]> = [
      ['token=wrong&x=1', 'token=***&x=1'],
      ['X-Auth-Token: wrong', 'X-Auth-Token: ***'],
      ['got "wrong"', 'got "***"'],
      ['Authorization: Bearer wrong', 'Authorization: Bearer ***'],
      ['postgres://mirror:secret@db/x', 'postgres://mirror:***@db/x'],
      ['password=secret;', 'password=***;'],
    ]
    for (const [text, masked] of cases) expect(maskSecrets(text, env)).toBe(masked)
    const lines: string[] = []
    const log = createJsonLogger(['postgres://mirror:secret@db/x'], (line) => lines.push(line))
    log('error', 'refused', { password: 'secret' })
    expect(lines.join('')).toContain('"password":"***"')
  })

  it('hides anything else everywhere, words of 16 letters or more included', () => {
    const longWord = 'abcdefghijklmnopq'
    expect(maskSecrets(`a ${longWord} b`, { BIGCOMMERCE_ACCESS_TOKEN: longWord })).toBe('a *** b')
    expect(maskSecrets('is wr0ng now', { BIGCOMMERCE_ACCESS_TOKEN: 'wr0ng' })).toBe('is *** now')
  })
})

describe('the JSON logger', () => {
  it('hides a database password that appears alone, or inside another URL', () => {
    fc.assert(
      fc.property(password, (pw) => {
        const lines: string[] = []
        const url = `postgres://mirror:${encodeURIComponent(pw)}@db/x`
        const log = createJsonLogger(['token-value-1', url], (line) => lines.push(line))
        log('error', 'database error', {
          error: `password ${pw} refused`,
          other: `postgres:/u:${pw}@h/x`,
        })
        expect(lines.join('')).not.toContain(pw)
      }),
    )
  })
})

describe('JSON log lines', () => {
  it('escape C1 controls and bidirectional overrides, and still parse to the same text', () => {
    const lines: string[] = []
    const log = createJsonLogger([], (line) => lines.push(line))
    const hostile = 'total \u009b2J\u001b]0;owned\u0007 \u202eevil\u202c'
    log('warn', 'odd value', { value: hostile })
    const line = (lines[0] ?? '').trimEnd()
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/)
    expect(JSON.parse(line)).toMatchObject({ msg: 'odd value', value: hostile })
  })
})
