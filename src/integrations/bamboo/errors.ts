// Errors the Bamboo client throws. Place Order never throws for a vendor answer (it returns an
// outcome); the other calls throw these.
import { DomainError } from '../../shared/errors.ts';
import type { EndpointClass } from './rate-limits.ts';

export class BambooError extends DomainError {
  override name = 'BambooError';
  constructor(
    code: 'vendor_unavailable' | 'vendor_rejected' | 'vendor_bad_response' | 'vendor_rate_limited',
    message: string,
    details: { endpoint: EndpointClass; status?: number; reason?: string; retryAfterMs?: number },
    options?: { cause?: unknown },
  ) {
    super(code, message, details);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** The limiter (ours, or Bamboo's 429) asks for a longer wait than the caller allows. Retry later. */
export class BambooRateLimitError extends BambooError {
  override name = 'BambooRateLimitError';
  readonly endpoint: EndpointClass;
  readonly retryAfterMs: number;
  constructor(endpoint: EndpointClass, retryAfterMs: number) {
    super('vendor_rate_limited', `Bamboo ${endpoint} is rate limited for another ${Math.ceil(retryAfterMs / 1000)} s`, { endpoint, retryAfterMs });
    this.endpoint = endpoint;
    this.retryAfterMs = retryAfterMs;
  }
}
