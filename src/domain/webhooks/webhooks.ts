// Partner webhooks per the Standard Webhooks specification (docs/product.md#the-partner-api): one endpoint per account,
// events written in the transaction of the change they report (`enqueueWebhookEvent`), delivered by
// the `webhook.deliver` queue (src/jobs/handlers/webhooks.ts) with the `standardwebhooks` library
// signing every attempt. While a rotated secret is in its overlap (24 h) each delivery carries a
// signature under both secrets, so the partner can switch its verifier at any moment. Which URLs
// may be called, and where a delivery may connect, is webhook-url.ts.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { sql, type Kysely } from 'kysely';
import { Webhook } from 'standardwebhooks';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { serviceTarget, type EventContext, type ServiceTarget } from '../events.ts';
import { toJson } from '../json.ts';
import type { WebhookEndpointRow, WebhookEventRow, WebhookEventStatus } from './webhooks.tables.ts';
import { isUuid } from '../../shared/ids.ts';
import { assertWebhookUrlAllowed, resolveDeliveryAddresses, resolveWithSystemDns, type ResolveHost, type WebhookUrlPolicy } from './webhook-url.ts';

export const WEBHOOK_EVENT_TYPES = [
  'wallet.credited',
  'order.completed',
  'order.partially_completed',
  'order.failed',
  'account.inactive',
  'wallet.low_balance',
  /** Sent on request (the web app's Webhooks page), to check a receiver and its signature check. */
  'webhook.test',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** How long the old secret still signs after a rotation. */
export const SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;
/** One delivery attempt waits this long for the partner's answer. */
export const DELIVERY_TIMEOUT_MS = 10_000;

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export interface WebhookEndpoint {
  accountId: string;
  url: string;
  secret: string;
  /** The secret before the last rotation, still signing until `previousSecretExpiresAt`. */
  previousSecretExpiresAt: Date | null;
  updatedAt: Date;
}

const toEndpoint = (row: WebhookEndpointRow, now: Date): WebhookEndpoint => ({
  accountId: row.account_id,
  url: row.url,
  secret: row.secret,
  previousSecretExpiresAt: row.previous_secret_expires_at !== null && row.previous_secret_expires_at > now ? row.previous_secret_expires_at : null,
  updatedAt: row.updated_at,
});

export async function getWebhookEndpoint(db: Kysely<DB>, accountId: string, now = new Date()): Promise<WebhookEndpoint> {
  const row = await db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  if (!row) throw new DomainError('webhook_endpoint_not_found', 'no webhook endpoint is set; PUT one first');
  return toEndpoint(row, now);
}

/**
 * Sets the endpoint URL (a new endpoint gets a secret). `rotateSecret` makes a new secret and keeps
 * the current one signing for 24 h.
 */
export async function setWebhookEndpoint(
  db: Kysely<DB>,
  accountId: string,
  input: { url: string; rotateSecret?: boolean },
  policy: WebhookUrlPolicy,
  now = new Date(),
): Promise<WebhookEndpoint> {
  assertWebhookUrlAllowed(input.url, policy);
  return withTransaction(db, async (trx) => {
    const existing = await trx.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).forUpdate().executeTakeFirst();
    if (!existing) {
      const row = await trx
        .insertInto('webhook_endpoints')
        .values({ account_id: accountId, url: input.url, secret: generateWebhookSecret(), created_at: now, updated_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toEndpoint(row, now);
    }
    const rotation = input.rotateSecret
      ? { secret: generateWebhookSecret(), previous_secret: existing.secret, previous_secret_expires_at: new Date(now.getTime() + SECRET_OVERLAP_MS) }
      : {};
    const row = await trx
      .updateTable('webhook_endpoints')
      // A new URL starts afresh: the old one's failures say nothing about it.
      .set({ url: input.url, updated_at: now, ...rotation, ...(input.url === existing.url ? {} : { failing_since: null, failing_notified_at: null }) })
      .where('account_id', '=', accountId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEndpoint(row, now);
  });
}

/**
 * Records an event for an account's webhook, inside the caller's transaction (it exists exactly
 * when the change it reports does). With `dedupeKey`, recording the same change again returns the
 * first event's id and adds nothing. The dispatcher queues its delivery within a minute; a caller
 * with a job queue may call `dispatchPendingWebhookEvents` after commit to send it at once.
 */
export async function enqueueWebhookEvent(
  trx: Kysely<DB>,
  accountId: string,
  type: WebhookEventType,
  data: Record<string, unknown>,
  options: { dedupeKey?: string } = {},
): Promise<string> {
  const inserted = await trx
    .insertInto('webhook_events')
    .values({ account_id: accountId, type, payload: toJson(data), dedupe_key: options.dedupeKey ?? null })
    // With a dedupe key, a second recording of the same change keeps the first event.
    .$if(options.dedupeKey !== undefined, (query) =>
      query.onConflict((conflict) => conflict.columns(['account_id', 'dedupe_key']).where('dedupe_key', 'is not', null).doNothing()),
    )
    .returning('id')
    .executeTakeFirst();
  if (inserted) return inserted.id;
  const existing = await trx
    .selectFrom('webhook_events')
    .select('id')
    .where('account_id', '=', accountId)
    .where('dedupe_key', '=', options.dedupeKey ?? '')
    .executeTakeFirstOrThrow();
  return existing.id;
}

/**
 * A `webhook.test` event for the account's endpoint, queued for delivery now (`send` enqueues the
 * job in the same transaction); without an endpoint, `webhook_endpoint_not_found`.
 */
export async function sendTestWebhookEvent(
  db: Kysely<DB>,
  accountId: string,
  send: (trx: Kysely<DB>, eventId: string) => Promise<unknown>,
): Promise<WebhookEvent> {
  return withTransaction(db, async (trx) => {
    await getWebhookEndpoint(trx, accountId);
    const eventId = await enqueueWebhookEvent(trx, accountId, 'webhook.test', { message: 'A test event from Steller: your endpoint receives our webhooks.' });
    const row = await trx.updateTable('webhook_events').set({ queued_at: new Date() }).where('id', '=', eventId).returningAll().executeTakeFirstOrThrow();
    await send(trx, eventId);
    return toEvent(row);
  });
}

/**
 * Queues the delivery of events not yet queued, each in the same transaction that marks it, so an
 * event is queued exactly once. `send` enqueues one delivery job inside `trx`. With the app's
 * events (`target` an EventContext), a live partner's `wallet.low_balance` (recorded by the ledger
 * function itself, which knows no job queue) also becomes the `wallet.low_balance` domain event
 * here, once, so the partner is emailed too.
 */
export async function dispatchPendingWebhookEvents(
  target: ServiceTarget,
  send: (trx: Kysely<DB>, eventId: string) => Promise<unknown>,
  limit = 100,
): Promise<number> {
  const { db, events } = serviceTarget(target);
  return withTransaction(db, async (trx) => {
    const rows = await trx
      .selectFrom('webhook_events')
      .select(['id', 'type', 'account_id', 'payload'])
      .where('queued_at', 'is', null)
      .orderBy('created_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const row of rows) {
      await send(trx, row.id);
      if (events && row.type === 'wallet.low_balance') await recordPartnerLowBalance(events, trx, row.account_id, row.payload);
    }
    if (rows.length > 0) {
      await trx
        .updateTable('webhook_events')
        .set({ queued_at: new Date() })
        .where(
          'id',
          'in',
          rows.map((row) => row.id),
        )
        .execute();
    }
    return rows.length;
  });
}

/** A live partner's threshold crossing as a domain event; a sandbox wallet's (test money) tells only its webhook. */
async function recordPartnerLowBalance(events: EventContext, trx: Kysely<DB>, accountId: string, payload: Record<string, unknown>): Promise<void> {
  const sandbox = await trx.selectFrom('api_sandbox_accounts').select('partner_id').where('sandbox_account_id', '=', accountId).executeTakeFirst();
  if (sandbox) return;
  const { balance, threshold } = payload as { balance: { amount: string; currency: string }; threshold: { amount: string; currency: string } };
  await events.events.record(trx, { type: 'wallet.low_balance', accountId, balance, threshold });
}

/** The JSON body partners receive: type, timestamp (when the event happened) and data. */
export function webhookBody(event: Pick<WebhookEventRow, 'type' | 'payload' | 'created_at'>): string {
  return JSON.stringify({ type: event.type, timestamp: event.created_at.toISOString(), data: event.payload });
}

/** The Standard Webhooks headers: signatures under the current secret and, during an overlap, the previous one. */
export function signWebhook(
  endpoint: Pick<WebhookEndpointRow, 'secret' | 'previous_secret' | 'previous_secret_expires_at'>,
  messageId: string,
  body: string,
  now: Date,
): Record<string, string> {
  const secrets = [endpoint.secret];
  if (endpoint.previous_secret && endpoint.previous_secret_expires_at && endpoint.previous_secret_expires_at > now) {
    secrets.push(endpoint.previous_secret);
  }
  return {
    'webhook-id': messageId,
    'webhook-timestamp': Math.floor(now.getTime() / 1000).toString(),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(messageId, now, body)).join(' '),
  };
}

export class WebhookDeliveryError extends Error {
  override name = 'WebhookDeliveryError';
}

export interface DeliveryOptions extends Partial<WebhookUrlPolicy> {
  /** The last attempt the queue will make: a failure now dead-letters the event. */
  final: boolean;
  /** How the endpoint's host is resolved (the system DNS by default). */
  resolveHost?: ResolveHost;
  now?: Date;
}

/**
 * One POST that connects only to `addresses` (already checked): the connection's lookup answers
 * with them instead of asking DNS again, so a name cannot be rebound to an internal address between
 * the check and the dial. Redirects are never followed (node:http does not follow them). Resolves
 * with the answer's status.
 */
function postOnce(url: URL, addresses: string[], headers: Record<string, string>, body: string): Promise<number> {
  const checkedOnly: LookupFunction = (_hostname, options, callback) => {
    const answers = addresses.map((address) => ({ address, family: isIP(address) }));
    const [first] = answers;
    if (options.all) process.nextTick(() => callback(null, answers));
    else if (first) process.nextTick(() => callback(null, first.address, first.family));
  };
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() },
        lookup: checkedOnly,
        agent: false,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      },
      (response) => {
        // Only the status matters; the body is not read.
        resolve(response.statusCode ?? 0);
        response.destroy();
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * One delivery attempt. Success (2xx) marks the event delivered; a failure records the answer and
 * throws `WebhookDeliveryError` so the queue retries (or marks it dead on the final attempt).
 */
export async function deliverWebhookEvent(target: ServiceTarget, eventId: string, options: DeliveryOptions): Promise<WebhookEventStatus> {
  const { db, events } = serviceTarget(target);
  const now = options.now ?? new Date();
  const event = await db.selectFrom('webhook_events').selectAll().where('id', '=', eventId).executeTakeFirst();
  if (!event) throw new Error(`no webhook event ${eventId}`);
  // A retry of an event delivered meanwhile (e.g. by a redelivery) sends nothing twice.
  if (event.status === 'delivered') return 'delivered';
  const endpoint = await db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', event.account_id).executeTakeFirst();
  if (!endpoint) {
    await recordAttempt(db, eventId, { status: 'no_endpoint', error: 'no webhook endpoint was set', now, counts: false });
    return 'no_endpoint';
  }
  const body = webhookBody(event);
  let responseStatus: number | null = null;
  let error: string | null = null;
  try {
    // Checked again at each attempt: the rules may be newer than the stored URL, and DNS answers change.
    const policy = { allowPrivate: options.allowPrivate ?? false };
    const url = assertWebhookUrlAllowed(endpoint.url, policy);
    const addresses = await resolveDeliveryAddresses(url, policy, options.resolveHost ?? resolveWithSystemDns);
    const headers = { 'content-type': 'application/json', 'user-agent': 'Steller-Webhooks/1', ...signWebhook(endpoint, event.id, body, now) };
    responseStatus = await postOnce(url, addresses, headers, body);
    // A redirect could lead our server to an internal address: any non-2xx counts as a failed attempt.
    if (responseStatus < 200 || responseStatus > 299) error = `the endpoint answered ${responseStatus}`;
  } catch (failure) {
    // A refused target keeps its code, so the partner sees why in the event's last error.
    const message = failure instanceof DomainError ? `${failure.code}: ${failure.message}` : failure instanceof Error ? failure.message : 'delivery failed';
    error = message.slice(0, 500);
  }
  if (error === null) {
    await recordAttempt(db, eventId, { status: 'delivered', responseStatus, error: null, now, counts: true });
    await endpointAnswered(db, endpoint);
    return 'delivered';
  }
  const status = options.final ? 'dead' : 'retrying';
  await recordAttempt(db, eventId, { status, responseStatus, error, now, counts: true });
  await endpointFailed(db, events, endpoint, { url: endpoint.url, error, now });
  throw new WebhookDeliveryError(`webhook ${eventId} to account ${event.account_id}: ${error}`);
}

/** How long every attempt must have failed before the partner is told (email: `webhook.endpoint_failing`). */
export const ENDPOINT_FAILING_NOTICE_MS = 60 * 60 * 1000;

/** A success ends the endpoint's failing spell (the next one may be told again). */
async function endpointAnswered(db: Kysely<DB>, endpoint: WebhookEndpointRow): Promise<void> {
  if (endpoint.failing_since === null && endpoint.failing_notified_at === null) return;
  await db.updateTable('webhook_endpoints').set({ failing_since: null, failing_notified_at: null }).where('account_id', '=', endpoint.account_id).execute();
}

/**
 * A failed attempt: starts the endpoint's failing spell, or, once it has lasted an hour, records
 * `webhook.endpoint_failing` once for the spell (the conditional update decides among concurrent
 * deliveries; the event commits with it).
 */
async function endpointFailed(
  db: Kysely<DB>,
  events: EventContext | undefined,
  endpoint: WebhookEndpointRow,
  failure: { url: string; error: string; now: Date },
): Promise<void> {
  await withTransaction(db, async (trx) => {
    const spell = await trx
      .updateTable('webhook_endpoints')
      .set((eb) => ({ failing_since: eb.fn.coalesce('failing_since', sql<Date>`${failure.now}::timestamptz`) }))
      .where('account_id', '=', endpoint.account_id)
      .returning(['failing_since', 'failing_notified_at'])
      .executeTakeFirst();
    if (!spell?.failing_since || spell.failing_notified_at !== null) return;
    if (!events || failure.now.getTime() - spell.failing_since.getTime() < ENDPOINT_FAILING_NOTICE_MS) return;
    const claimed = await trx
      .updateTable('webhook_endpoints')
      .set({ failing_notified_at: failure.now })
      .where('account_id', '=', endpoint.account_id)
      .where('failing_notified_at', 'is', null)
      .returning('account_id')
      .executeTakeFirst();
    if (!claimed) return;
    await events.events.record(trx, {
      type: 'webhook.endpoint_failing',
      accountId: endpoint.account_id,
      url: failure.url,
      failingSince: spell.failing_since.toISOString(),
      lastError: failure.error,
    });
  });
}

async function recordAttempt(
  db: Kysely<DB>,
  eventId: string,
  attempt: { status: WebhookEventStatus; responseStatus?: number | null; error: string | null; now: Date; counts: boolean },
): Promise<void> {
  await db
    .updateTable('webhook_events')
    .set((eb) => ({
      status: attempt.status,
      attempts: attempt.counts ? eb('attempts', '+', 1) : eb.ref('attempts'),
      last_attempt_at: attempt.now,
      last_response_status: attempt.responseStatus ?? null,
      last_error: attempt.error,
      ...(attempt.status === 'delivered' ? { delivered_at: attempt.now } : {}),
    }))
    .where('id', '=', eventId)
    .execute();
}

export interface WebhookEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  status: WebhookEventStatus;
  attempts: number;
  lastAttemptAt: Date | null;
  lastResponseStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

const toEvent = (row: WebhookEventRow): WebhookEvent => ({
  id: row.id,
  type: row.type,
  data: row.payload,
  status: row.status,
  attempts: row.attempts,
  lastAttemptAt: row.last_attempt_at,
  lastResponseStatus: row.last_response_status,
  lastError: row.last_error,
  deliveredAt: row.delivered_at,
  createdAt: row.created_at,
});

/** An account's events, newest first; the cursor is the last event's id. */
export async function listWebhookEvents(
  db: Kysely<DB>,
  accountId: string,
  page: { cursor?: string; limit?: number; status?: WebhookEventStatus } = {},
): Promise<{ items: WebhookEvent[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(page.limit ?? 50, 1), 200);
  let query = db.selectFrom('webhook_events').selectAll().where('account_id', '=', accountId);
  if (page.status) query = query.where('status', '=', page.status);
  if (page.cursor !== undefined) {
    const known = isUuid(page.cursor)
      ? await db.selectFrom('webhook_events').select('id').where('id', '=', page.cursor).where('account_id', '=', accountId).executeTakeFirst()
      : undefined;
    if (!known) throw new DomainError('invalid_cursor', 'this page cursor is not valid');
    // Compared in SQL: timestamptz has microseconds, a JavaScript Date only milliseconds.
    query = query.where(sql<boolean>`(created_at, id) < (select created_at, id from webhook_events where id = ${known.id})`);
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map(toEvent);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}

/**
 * Puts an account's event back to pending for a new round of attempts; `send` queues the delivery
 * in the same transaction. Another account's event is not found (no probing).
 */
export async function redeliverWebhookEvent(
  db: Kysely<DB>,
  accountId: string,
  eventId: string,
  send: (trx: Kysely<DB>, eventId: string) => Promise<unknown>,
): Promise<WebhookEvent> {
  return withTransaction(db, async (trx) => {
    const row = isUuid(eventId)
      ? await trx
          .updateTable('webhook_events')
          .set({ status: 'pending', queued_at: new Date() })
          .where('id', '=', eventId)
          .where('account_id', '=', accountId)
          .returningAll()
          .executeTakeFirst()
      : undefined;
    if (!row) throw new DomainError('webhook_event_not_found', `no webhook event ${eventId}`, { eventId });
    await send(trx, row.id);
    return toEvent(row);
  });
}
