// Bamboo's order-completion callback (docs/bamboo.md#vendor-facts-our-code-relies-on): it carries no cards, only which order
// finished, and the shared secret we configured (no signature). Verify the secret in constant
// time, then fetch the order with Get Order; the callback itself is never trusted for the outcome.
import { createHash, timingSafeEqual } from 'node:crypto';
import { finalStatus, type FinalOrderStatus } from './model.ts';
import { wireOrderCallback } from './wire.ts';

export interface OrderCallback {
  requestId: string;
  orderId: number;
  /** Succeeded, Failed or PartialFailed (matched case-insensitively); undefined for anything else. */
  status: FinalOrderStatus | undefined;
  totalCards: number | null;
}

export type CallbackCheck = { ok: true; callback: OrderCallback } | { ok: false; reason: 'malformed' | 'bad_secret' };

/** Hashing first gives equal lengths, so the comparison time says nothing about the secret. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Parses a callback body (either key casing) and checks its secret against ours. */
export function verifyOrderCallback(body: unknown, expectedSecret: string): CallbackCheck {
  const parsed = wireOrderCallback.safeParse(body);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  const { secretkey, requestid, orderid, status, totalcards } = parsed.data;
  if (!expectedSecret || !sameSecret(secretkey ?? '', expectedSecret)) return { ok: false, reason: 'bad_secret' };
  return { ok: true, callback: { requestId: requestid, orderId: orderid, status: finalStatus(status), totalCards: totalcards ?? null } };
}
