// The headers every page of the mirror sends (the status page now; the app's load page later): its
// URL may carry a token, so no referrer leaves it, no other site frames it, and nothing but its
// own inline style (by nonce) runs in it. Built on hono's secure-headers middleware.
import type { MiddlewareHandler } from 'hono'
import { NONCE, secureHeaders } from 'hono/secure-headers'

export interface PageHeaderOptions {
  /**
   * Origins allowed to frame the page (CSP frame-ancestors). Default: none, and X-Frame-Options
   * DENY. Only the app's load page is framed, and only by BigCommerce's control panel.
   */
  frameAncestors?: string[]
}

/** The nonce a page puts on its inline `<style>`, set by pageHeaders for this request. */
export const STYLE_NONCE_KEY = 'secureHeadersNonce'

export function pageHeaders(options: PageHeaderOptions = {}): MiddlewareHandler {
  const ancestors = options.frameAncestors ?? []
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: [NONCE],
      imgSrc: ["'self'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
      frameAncestors: ancestors.length > 0 ? ancestors : ["'none'"],
    },
    // Frame-ancestors supersedes it where understood; older browsers know only DENY/SAMEORIGIN.
    xFrameOptions: ancestors.length > 0 ? false : 'DENY',
    referrerPolicy: 'no-referrer',
    xContentTypeOptions: true,
    // HSTS belongs to the TLS proxy in front, which knows the host's other services.
    strictTransportSecurity: false,
  })
}
