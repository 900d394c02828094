// The other components the mirror reads, described by hand from bigcommerce/docs at 24f580ca:
// coupons (`reference/marketing.v2.yml`), customers (`reference/customers.v3.yml`), products
// (`reference/catalog/products_catalog.v3.yml`) and hooks (`reference/webhooks.v3.yml`).
import { either, list, values, type Components } from './notation.ts'

const PAGE_LINKS = { previous: 'str', current: 'str', next: 'str' } as const

/** `coupon_Full`, as `GET /v2/coupons` lists it. */
function couponSchema({ component }: Components) {
  return component(
    'coupon_Full',
    {
      ...{ id: 'int', date_created: 'str', num_uses: 'int', name: 'str', code: 'str' },
      type: values(
        ...['per_item_discount', 'per_total_discount', 'shipping_discount', 'free_shipping'],
        ...['percentage_discount', 'promotion'],
      ),
      ...{ amount: 'str', min_purchase: 'str', expires: 'str', enabled: 'bool' },
      applies_to: component('coupon_Base.applies_to', { ids: list('int'), entity: 'str' }),
      ...{ max_uses: 'int', max_uses_per_customer: 'int' },
      restricted_to: component('coupon_Base.restricted_to', { countries: 'str' }),
      shipping_methods: list('str'),
    },
    { required: ['id', 'name', 'type', 'amount', 'code', 'applies_to'] },
  )
}

/** `customer_Full` with everything the mirror's `include` embeds. */
function customerSchema({ component }: Components) {
  const formField = component(
    'formFieldValue',
    { name: 'str', value: either('str', 'num', list('str')) },
    { required: ['name', 'value'] },
  )
  const address = component(
    'address_Full',
    {
      ...{ id: 'int', customer_id: 'int', first_name: 'str', last_name: 'str', company: 'str' },
      ...{ address1: 'str', address2: 'str', city: 'str', state_or_province: 'str' },
      ...{ postal_code: 'str', country: 'str', country_code: 'str', phone: 'str' },
      address_type: values('residential', 'commercial'),
      form_fields: list(formField),
    },
    {
      required: [
        ...['first_name', 'last_name', 'address1', 'city', 'state_or_province'],
        ...['postal_code', 'country_code', 'customer_id', 'id'],
      ],
    },
  )
  return component('customer_Full', {
    ...{ id: 'int', email: 'str', first_name: 'str', last_name: 'str', company: 'str' },
    ...{ phone: 'str', registration_ip_address: 'str', notes: 'str', tax_exempt_category: 'str' },
    ...{ customer_group_id: 'int', date_created: 'date-time', date_modified: 'date-time' },
    ...{ address_count: 'int', attribute_count: 'int' },
    authentication: component('customer_Full.authentication', { force_password_reset: 'bool' }),
    addresses: list(address, 10),
    attributes: list(
      component('attribute_Full', {
        ...{ id: 'int', attribute_id: 'int', attribute_value: 'str', customer_id: 'int' },
        ...{ date_created: 'date-time', date_modified: 'date-time' },
      }),
      10,
    ),
    form_fields: list(
      component(
        'formFieldValue_Customer',
        { name: 'str', value: either('str', 'num', list('str')), customer_id: 'int' },
        { required: ['customer_id', 'name', 'value'] },
      ),
    ),
    store_credit_amounts: list(component('CustomerStoredCreditAmounts', { amount: 'num' })),
    accepts_product_review_abandoned_cart_emails: 'bool',
    origin_channel_id: 'int',
    channel_ids: list('any'),
  })
}

export function storeSchemas(c: Components) {
  const { component, object } = c
  const pagination = component('Pagination', {
    ...{ total: 'int', count: 'int', per_page: 'int', current_page: 'int', total_pages: 'int' },
    links: object(PAGE_LINKS),
  })
  const cursorPagination = component('CursorPagination', {
    ...{ count: 'int', per_page: 'int', start_cursor: 'str', end_cursor: 'str' },
    links: object(PAGE_LINKS),
  })
  const hook = component('webhook_Base', {
    ...{ id: 'int', client_id: 'str', store_hash: 'str', scope: 'str', destination: 'str' },
    headers: either({ type: 'object' }, { type: 'null' }),
    ...{ is_active: 'bool', created_at: 'int', updated_at: 'int' },
  })
  return {
    coupon: couponSchema(c),
    coupons_count: component('getCouponsCount', { count: 'int' }),
    customers_list: component('GetCustomerCollectionResponse', {
      data: list(customerSchema(c)),
      meta: component('_metaCollectionWithCursorPagination', {
        pagination,
        cursor_pagination: cursorPagination,
      }),
    }),
    hooks_list: component('webhooks_Resp', {
      data: list(hook),
      meta: component('webhooks_Resp.meta', { pagination }),
    }),
    hook_single: component('webhook_Resp', { data: hook, meta: 'any' }),
  }
}
