// Generated v3 customers, with every includable sub-resource present (addresses, store credit,
// attributes, form fields).
import type { GenerateContext } from '../generate.ts'
import type { SimResourceSpec } from './resource-spec.ts'
import { createRng, mixSeed, pickFrom, randomInt as int } from './random.ts'
import { CITIES, FIRST_NAMES, LAST_NAMES, STREETS } from './words.ts'

/** Fields of a customer other than id and dates, with every includable sub-resource present. */
export function generateCustomerFields(ctx: GenerateContext, id: number): Record<string, unknown> {
  const rng = createRng(mixSeed(ctx.seed, id, 3))
  const first = pickFrom(rng, FIRST_NAMES)
  const last = pickFrom(rng, LAST_NAMES)
  const addressCount = int(rng, 0, 2)
  const addresses = Array.from({ length: addressCount }, (_, k) => {
    const [city, state, zip] = pickFrom(rng, CITIES)
    return {
      id: id * 10 + k,
      customer_id: id,
      first_name: first,
      last_name: last,
      company: '',
      address1: `${int(rng, 1, 9999)} ${pickFrom(rng, STREETS)}`,
      address2: '',
      city,
      state_or_province: state,
      postal_code: zip,
      country: 'United States',
      country_code: 'US',
      phone: '',
      address_type: k === 0 ? 'residential' : 'commercial',
    }
  })
  return {
    email: `${first}.${last}.${id}@example.com`.toLowerCase().replace(/'/g, ''),
    first_name: first,
    last_name: last,
    company: rng() < 0.15 ? `${last} Ltd` : '',
    phone: rng() < 0.6 ? `555-02${String(int(rng, 0, 99)).padStart(2, '0')}` : '',
    registration_ip_address: `198.51.100.${int(rng, 1, 254)}`,
    notes: '',
    tax_exempt_category: '',
    customer_group_id: rng() < 0.7 ? 0 : int(rng, 1, 3),
    address_count: addressCount,
    attribute_count: 0,
    authentication: { force_password_reset: false },
    accepts_product_review_abandoned_cart_emails: rng() < 0.5,
    origin_channel_id: 1,
    channel_ids: null,
    addresses,
    store_credit_amounts: [{ amount: rng() < 0.1 ? 25 : 0 }],
    attributes: [],
    form_fields: [],
  }
}

/** Addresses a customer embeds at most (`customer_Full.addresses.maxItems: 10`, documented). */
const EMBEDDED_ADDRESSES = 10

export const customerSim: SimResourceSpec<'customers', { customersIncludeFields?: boolean }> = {
  name: 'customers',
  path: '/v3/customers',
  v3: {
    // last_name sorting is not simulated; creation (id) order stands in for it.
    sorts: { date_created: 'id', date_modified: 'modified', last_name: 'id' },
    sortForm: 'colon',
    idRange: false,
    byId: false,
    includes: {
      addresses: 'addresses',
      storecredit: 'store_credit_amounts',
      attributes: 'attributes',
      formfields: 'form_fields',
    },
    // The rest only through /v3/customers/addresses.
    shape: (customer) =>
      Array.isArray(customer.addresses)
        ? { ...customer, addresses: customer.addresses.slice(0, EMBEDDED_ADDRESSES) }
        : customer,
    trimsFields: (settings) => settings.customersIncludeFields === true,
  },
  singular: 'customer',
  events: true,
  dated: true,
  dateCreated: true,
  dateFormat: 'Z',
  sampleEdit: (n) => ({ notes: `edited in the demo (#${n})` }),
  children: [
    {
      field: 'addresses',
      path: '/v3/customers/addresses',
      parentKey: 'customer_id',
      perParent: false,
    },
  ],
  generate: generateCustomerFields,
}
