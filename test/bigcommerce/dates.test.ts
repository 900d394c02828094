import { describe, expect, it } from 'vitest'
import {
  formatV2Date,
  formatV3Date,
  parseBcDate,
  parseBcDateOrNull,
} from '../../src/bigcommerce/dates.ts'
import { encodeQuery } from '../../src/bigcommerce/client.ts'

const INSTANT = Date.UTC(2012, 10, 20, 4, 5, 6)

describe('parseBcDate', () => {
  it.each([
    'Tue, 20 Nov 2012 04:05:06 +0000',
    'Tue, 20 Nov 2012 00:05:06 -0400',
    'Tue, 20 Nov 2012 09:35:06 +0530',
    '20 Nov 2012 04:05:06 GMT',
    'tue, 20 nov 2012 04:05:06 +0000',
    '2012-11-20T04:05:06Z',
    '2012-11-20T04:05:06+00:00',
    '2012-11-20T04:05:06.000Z',
    '2012-11-20T00:05:06-04:00',
    '2012-11-20T09:35:06+0530',
    '2012-11-20T04:05:06',
  ])('%s is the same instant', (text) => {
    expect(parseBcDate(text).getTime()).toBe(INSTANT)
  })

  it('keeps milliseconds of ISO values', () => {
    expect(parseBcDate('2017-04-20T11:32:00.123-04:00').toISOString()).toBe(
      '2017-04-20T15:32:00.123Z',
    )
  })

  it.each([
    '',
    'yesterday',
    '2012-02-30T00:00:00Z',
    'Tue, 31 Nov 2012 00:00:00 +0000',
    '2012-11-20T25:00:00Z',
  ])('rejects %j', (text) => {
    expect(() => parseBcDate(text)).toThrow(RangeError)
  })

  it('treats empty v2 values as null', () => {
    expect(parseBcDateOrNull('')).toBeNull()
    expect(parseBcDateOrNull(null)).toBeNull()
    expect(parseBcDateOrNull('Wed, 05 Dec 2018 20:16:55 +0000')?.toISOString()).toBe(
      '2018-12-05T20:16:55.000Z',
    )
  })
})

describe('formatting filter values', () => {
  const date = new Date('2018-12-05T20:16:55.789Z')

  it('v2 RFC 2822 round-trips to the same second', () => {
    expect(formatV2Date(date)).toBe('Wed, 05 Dec 2018 20:16:55 +0000')
    expect(parseBcDate(formatV2Date(date)).getTime()).toBe(Math.floor(date.getTime() / 1000) * 1000)
  })

  it('v3 gets a full timestamp, never a bare date', () => {
    expect(formatV3Date(date)).toBe('2018-12-05T20:16:55Z')
    expect(parseBcDate(formatV3Date(date)).getTime()).toBe(Math.floor(date.getTime() / 1000) * 1000)
  })

  it('encodes + in query values and keeps : and , literal', () => {
    const query = encodeQuery({
      min_date_modified: formatV2Date(date),
      'id:in': [1, 2],
      skip: undefined,
    })
    expect(query).toBe('?min_date_modified=Wed,%2005%20Dec%202018%2020:16:55%20%2B0000&id:in=1,2')
    expect(new URLSearchParams(query).get('min_date_modified')).toBe(
      'Wed, 05 Dec 2018 20:16:55 +0000',
    )
  })
})
