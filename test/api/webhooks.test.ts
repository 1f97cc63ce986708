import { createServer } from 'node:http';
import net from 'node:net';
import { http, HttpResponse, passthrough } from 'msw';
import { Webhook } from 'standardwebhooks';
import { sql } from 'kysely';
import { describe, expect, it, onTestFinished } from 'vitest';
import { creditWallet } from '../../src/domain/funding/manual.ts';
import { enqueueWebhookEvent, SECRET_OVERLAP_MS, deliverWebhookEvent } from '../../src/domain/webhooks/webhooks.ts';
import { ensureQueues, startWorkers } from '../../src/jobs/boss.ts';
import { DISPATCH_INTERVAL_SECONDS, WEBHOOK_RETRY } from '../../src/domain/webhooks/queues.ts';
import { defineWebhookDeliveryQueue, webhookDeliverWorker, webhookDispatchWorker } from '../../src/jobs/handlers/webhooks.ts';
import type { JobInfo } from '../../src/jobs/registry.ts';
import { deadLetterName } from '../../src/shared/queue-contract.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { mswServer } from '../setup/msw.ts';
import { createApiHarness, expectProblem, type Partner } from '../support/api.ts';
import { expectLedgerConsistent, fund, makeAccount } from '../support/money.ts';

const harness = await createApiHarness();
const { ctx, boss, call } = harness;

const jobInfo = (retryCount = 0): JobInfo => ({ id: 'test-job', retryCount, signal: new AbortController().signal });

interface Received {
  body: string;
  headers: Record<string, string>;
}

/** msw plays the partner's receiver: records what arrives, answers with the given statuses in turn. */
function receiver(url: string, statuses: number[] = [200]) {
  const received: Received[] = [];
  mswServer.use(
    http.post(url, async ({ request }) => {
      received.push({ body: await request.text(), headers: Object.fromEntries(request.headers.entries()) });
      return new HttpResponse(null, { status: statuses[Math.min(received.length - 1, statuses.length - 1)] });
    }),
  );
  return received;
}

async function setEndpoint(partner: Partner, url: string, rotateSecret = false) {
  const response = await call(partner.liveKey, 'PUT', '/v1/webhook-endpoint', { url, rotateSecret });
  expect(response.status).toBe(200);
  return (await response.json()) as { url: string; secret: string; previousSecretExpiresAt: string | null };
}

async function eventsOf(accountId: string) {
  return ctx.db.selectFrom('webhook_events').selectAll().where('account_id', '=', accountId).orderBy('created_at').execute();
}

/**
 * Runs the dispatcher, then the delivery jobs it queued for `eventIds` through pg-boss (events of
 * other tests, which deliver directly, are queued too and just completed here).
 */
async function dispatchAndDeliver(eventIds: string[]): Promise<unknown[]> {
  await webhookDispatchWorker.handle(ctx, {}, jobInfo());
  const jobs = await boss.fetch<{ eventId: string }>(webhookDeliverWorker.name, { batchSize: 50 });
  const outcomes = [];
  for (const job of jobs) {
    if (eventIds.includes(job.data.eventId))
      outcomes.push(await webhookDeliverWorker.handle(ctx, webhookDeliverWorker.payload.parse(job.data), jobInfo()).catch((error: unknown) => error));
    await boss.complete(webhookDeliverWorker.name, job.id);
  }
  return outcomes;
}

describe('webhook endpoint', () => {
  it('sets a URL with a whsec_ secret, reads it back, refuses non-https URLs', async () => {
    const partner = await harness.makePartner();
    await expectProblem(await call(partner.liveKey, 'GET', '/v1/webhook-endpoint'), 404, 'webhook_endpoint_not_found');
    const endpoint = await setEndpoint(partner, 'https://partner.example/hooks');
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect(endpoint.previousSecretExpiresAt).toBeNull();
    expect(await (await call(partner.liveKey, 'GET', '/v1/webhook-endpoint')).json()).toMatchObject({
      url: 'https://partner.example/hooks',
      secret: endpoint.secret,
    });
    // The sandbox has its own endpoint.
    await expectProblem(await call(partner.testKey, 'GET', '/v1/webhook-endpoint'), 404, 'webhook_endpoint_not_found');
    await expectProblem(await call(partner.liveKey, 'PUT', '/v1/webhook-endpoint', { url: 'not a url' }), 400, 'validation_failed');
  });

  it('never follows redirects: a 3xx answer is a failed attempt', async () => {
    const partner = await harness.makePartner();
    await setEndpoint(partner, 'https://acme.example/hooks/moved');
    mswServer.use(
      http.post('https://acme.example/hooks/moved', () => new HttpResponse(null, { status: 307, headers: { location: 'https://169.254.169.254/latest' } })),
    );
    const eventId = await enqueueWebhookEvent(ctx.db, partner.account.id, 'order.completed', { orderId: 'o-r' });
    await expect(deliverWebhookEvent(ctx.db, eventId, { final: false, resolveHost: ctx.resolveHost })).rejects.toThrow('answered 307');
  });
});

describe('webhook URLs cannot reach inside (SSRF)', () => {
  /** A TCP listener on 127.0.0.1 that counts the connections a delivery opens to it. */
  async function loopbackListener() {
    const server = net.createServer((socket) => socket.destroy());
    let connections = 0;
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { port: (server.address() as net.AddressInfo).port, connections: () => connections };
  }

  /** A real HTTP receiver on 127.0.0.1 that records what arrives and answers 204. */
  async function loopbackReceiver() {
    const requests: { host: string | undefined; body: string }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        requests.push({ host: request.headers.host, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { port: (server.address() as net.AddressInfo).port, requests };
  }

  it('refuses every internal form of a host, after normalising, with webhook_url_not_allowed', async () => {
    const partner = await harness.makePartner();
    const internal = [
      'https://[::ffff:127.0.0.1]:3101/',
      'https://[::ffff:169.254.169.254]/latest',
      'https://[::ffff:10.0.0.1]/',
      'https://[::7f00:1]/',
      'https://[64:ff9b::7f00:1]/',
      'https://[64:ff9b::a9fe:a9fe]/',
      'https://[2002:7f00:1::1]/',
      'https://[fe80::1]/',
      'https://[ff02::1]/',
      'https://0x7f.1/',
      'https://2130706433/',
      'https://0.0.0.0/',
      'https://100.64.0.1/',
      'https://224.0.0.1/',
      'https://localhost./',
      'https://ip6-localhost/',
      'https://ip6-loopback/',
      'https://api.localhost/',
      'https://intranet/',
      'https://printer.local./',
      'https://localhost/x',
      'https://127.0.0.1/x',
      'https://169.254.169.254/latest',
      'https://10.1.2.3/',
      'https://[::1]/',
      'https://[fd00::1]/',
      'https://db.internal/',
    ];
    for (const url of internal) {
      const body = await expectProblem(await call(partner.liveKey, 'PUT', '/v1/webhook-endpoint', { url }), 422, 'webhook_url_not_allowed');
      expect(body.detail, url).toMatch(/public/);
    }
    // A public address in an IPv6 form is still public.
    await setEndpoint(partner, 'https://[::ffff:8.8.8.8]/hooks');
    expect(await ctx.db.selectFrom('webhook_endpoints').select('url').where('account_id', '=', partner.account.id).executeTakeFirst()).toEqual({
      url: 'https://[::ffff:8.8.8.8]/hooks',
    });
  });

  it('allows port 443 and 1024-65535 only; http, credentials and non-URLs stay invalid', async () => {
    const partner = await harness.makePartner();
    for (const url of ['https://partner.example:22/', 'https://partner.example:80/', 'https://partner.example:1023/']) {
      const body = await expectProblem(await call(partner.liveKey, 'PUT', '/v1/webhook-endpoint', { url }), 422, 'webhook_url_not_allowed');
      expect(body.detail).toMatch(/port/);
    }
    for (const url of ['https://partner.example:443/', 'https://partner.example:1024/', 'https://partner.example:8443/', 'https://partner.example:65535/'])
      await setEndpoint(partner, url);
    await expectProblem(await call(partner.liveKey, 'PUT', '/v1/webhook-endpoint', { url: 'http://partner.example/hooks' }), 422, 'invalid_webhook_url');
    await expectProblem(await call(partner.liveKey, 'PUT', '/v1/webhook-endpoint', { url: 'https://user:pw@partner.example/' }), 422, 'invalid_webhook_url');
  });

  it('a stored URL pointing inside is refused at delivery: no connection is opened', async () => {
    const partner = await harness.makePartner();
    const listener = await loopbackListener();
    // As if stored before these rules existed.
    await ctx.db
      .insertInto('webhook_endpoints')
      .values({
        account_id: partner.account.id,
        url: `https://127.0.0.1:${listener.port}/hooks`,
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        created_at: new Date(),
        updated_at: new Date(),
      })
      .execute();
    const eventId = await enqueueWebhookEvent(ctx.db, partner.account.id, 'order.completed', { orderId: 'o-inside' });
    await expect(webhookDeliverWorker.handle(ctx, { eventId }, jobInfo())).rejects.toThrow('webhook_url_not_allowed');
    expect(listener.connections()).toBe(0);
    expect((await eventsOf(partner.account.id))[0]).toMatchObject({
      status: 'retrying',
      attempts: 1,
      last_response_status: null,
      last_error: expect.stringMatching(/public/),
    });
  });

  it('checks the addresses the host resolves to at delivery, so DNS rebinding cannot reach inside', async () => {
    const partner = await harness.makePartner();
    const listener = await loopbackListener();
    // Public at set time; at delivery the name answers with a loopback address (or a private one among public ones).
    await setEndpoint(partner, `https://rebind.partner.example:${listener.port}/hooks`);
    const asked: string[] = [];
    for (const addresses of [['127.0.0.1'], ['93.184.215.14', '10.0.0.7'], ['::ffff:127.0.0.1']]) {
      const eventId = await enqueueWebhookEvent(ctx.db, partner.account.id, 'order.completed', { addresses });
      const resolveHost = async (host: string) => {
        asked.push(host);
        return addresses;
      };
      await expect(deliverWebhookEvent(ctx.db, eventId, { final: false, resolveHost, allowPrivate: false })).rejects.toThrow('webhook_url_not_allowed');
      const [event] = await ctx.db.selectFrom('webhook_events').selectAll().where('id', '=', eventId).execute();
      expect(event?.last_error).toMatch(/resolves to .* not public/);
    }
    expect(asked).toEqual(['rebind.partner.example', 'rebind.partner.example', 'rebind.partner.example']);
    expect(listener.connections()).toBe(0);
  });

  it('connects to the address it checked, not to a second lookup (WEBHOOK_ALLOW_PRIVATE_URLS lets it be local)', async () => {
    const partner = await harness.makePartner();
    const { port, requests } = await loopbackReceiver();
    // No DNS knows this name: only the injected resolver does, and the connection goes where it said.
    const url = `http://receiver.partner.example:${port}/hooks`;
    await ctx.db
      .insertInto('webhook_endpoints')
      .values({ account_id: partner.account.id, url, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', created_at: new Date(), updated_at: new Date() })
      .execute();
    mswServer.use(http.post(url, () => passthrough()));
    const eventId = await enqueueWebhookEvent(ctx.db, partner.account.id, 'order.completed', { orderId: 'o-local' });
    const resolveHost = async () => ['127.0.0.1'];
    // Without the development switch the same delivery is refused (http, then the loopback address).
    await expect(deliverWebhookEvent(ctx.db, eventId, { final: false, resolveHost, allowPrivate: false })).rejects.toThrow('invalid_webhook_url');
    expect(requests).toHaveLength(0);
    expect(await deliverWebhookEvent(ctx.db, eventId, { final: false, resolveHost, allowPrivate: true })).toBe('delivered');
    expect(requests).toEqual([{ host: `receiver.partner.example:${port}`, body: expect.stringContaining('o-local') }]);
  });

  it('WEBHOOK_ALLOW_PRIVATE_URLS=true accepts http and local URLs (a developer receiving webhooks from npm start)', async () => {
    const local = await createApiHarness({ env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } });
    const partner = await local.makePartner();
    const response = await local.call(partner.liveKey, 'PUT', '/v1/webhook-endpoint', { url: 'http://localhost:3101/hooks' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ url: 'http://localhost:3101/hooks' });
    // The port rule still holds.
    await expectProblem(await local.call(partner.liveKey, 'PUT', '/v1/webhook-endpoint', { url: 'http://localhost:22/' }), 422, 'webhook_url_not_allowed');
    // The delivery job reads the same switch: the local receiver gets the event.
    const { port, requests } = await loopbackReceiver();
    expect((await local.call(partner.liveKey, 'PUT', '/v1/webhook-endpoint', { url: `http://127.0.0.1:${port}/hooks` })).status).toBe(200);
    const eventId = await enqueueWebhookEvent(local.ctx.db, partner.account.id, 'order.completed', { orderId: 'o-dev' });
    expect(await webhookDeliverWorker.handle(local.ctx, { eventId }, jobInfo())).toEqual({ status: 'delivered' });
    expect(requests).toEqual([{ host: `127.0.0.1:${port}`, body: expect.stringContaining('o-dev') }]);
  });
});

describe('wallet.credited', () => {
  it("is recorded in the credit's transaction for partners (live and sandbox), once per credit, not for agents", async () => {
    const partner = await harness.makePartner();
    const admin = harness.adminActor;
    const credit = (accountId: string, key: string) =>
      creditWallet(ctx.db, admin, { accountId, amount: parseMoney('25.00', 'USD'), reason: 'top-up', idempotencyKey: key });
    const { transfer } = await credit(partner.account.id, `wc-${partner.account.id}`);
    await credit(partner.account.id, `wc-${partner.account.id}`); // replay: no second event
    await credit(partner.sandboxId, `wc-${partner.sandboxId}`);
    const agent = await makeAccount(ctx.db, 'agent');
    await fund(ctx.db, agent, '10.00');
    const [event] = await eventsOf(partner.account.id);
    expect(await eventsOf(partner.account.id)).toHaveLength(1);
    expect(event).toMatchObject({ type: 'wallet.credited', status: 'pending' });
    expect(event?.payload).toMatchObject({
      accountId: partner.account.id,
      transferId: transfer.id,
      kind: 'manual_credit',
      amount: { amount: '25.00', currency: 'USD' },
      balance: { amount: '25.00', currency: 'USD' },
    });
    expect(await eventsOf(partner.sandboxId)).toHaveLength(1);
    expect(await eventsOf(agent.id)).toHaveLength(0);
    await expectLedgerConsistent(ctx.db);
  });

  it('a credit rolled back leaves no event', async () => {
    const partner = await harness.makePartner();
    await expect(
      ctx.db.transaction().execute(async (trx) => {
        await creditWallet(trx, harness.adminActor, {
          accountId: partner.account.id,
          amount: parseMoney('5.00', 'USD'),
          reason: 'r',
          idempotencyKey: `rb-${partner.account.id}`,
        });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await eventsOf(partner.account.id)).toHaveLength(0);
    await expectLedgerConsistent(ctx.db);
  });
});

describe('delivery', () => {
  it('signs per Standard Webhooks; the partner verifies with the same library', async () => {
    const partner = await harness.makePartner();
    const { secret } = await setEndpoint(partner, 'https://acme.example/hooks/ok');
    const received = receiver('https://acme.example/hooks/ok');
    const eventId = await enqueueWebhookEvent(ctx.db, partner.account.id, 'order.completed', { orderId: 'o-1' });
    expect(await dispatchAndDeliver([eventId])).toEqual([{ status: 'delivered' }]);
    expect(received).toHaveLength(1);
    const delivery = received[0] as Received;
    expect(delivery.headers['webhook-id']).toBe(eventId);
    expect(Number(delivery.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -2);
    const verified = new Webhook(secret).verify(delivery.body, delivery.headers);
    expect(verified).toMatchObject({ type: 'order.completed', data: { orderId: 'o-1' } });
    expect(() => new Webhook(`whsec_${Buffer.from('another secret of 24 bytes!').toString('base64')}`).verify(delivery.body, delivery.headers)).toThrow();
    const [event] = await eventsOf(partner.account.id);
    expect(event).toMatchObject({ status: 'delivered', attempts: 1, last_response_status: 200 });
    // Dispatching again queues nothing new: each event is queued once.
    expect(await webhookDispatchWorker.handle(ctx, {}, jobInfo())).toEqual({ queued: 0 });
  });

  it('a failing receiver: retried (the job throws) and dead on the last attempt; visible in /webhook-events', async () => {
    const partner = await harness.makePartner();
    await setEndpoint(partner, 'https://acme.example/hooks/down');
    const received = receiver('https://acme.example/hooks/down', [503]);
    const eventId = await enqueueWebhookEvent(ctx.db, partner.account.id, 'order.failed', { orderId: 'o-2' });
    await expect(webhookDeliverWorker.handle(ctx, { eventId }, jobInfo(0))).rejects.toThrow('answered 503');
    expect((await eventsOf(partner.account.id))[0]).toMatchObject({ status: 'retrying', attempts: 1, last_response_status: 503 });
    await expect(webhookDeliverWorker.handle(ctx, { eventId }, jobInfo(WEBHOOK_RETRY.limit))).rejects.toThrow('answered 503');
    expect(received).toHaveLength(2);
    const listed = (await (await call(partner.liveKey, 'GET', '/v1/webhook-events?status=dead')).json()) as {
      data: { id: string; attempts: number; lastError: string }[];
    };
    expect(listed.data).toEqual([expect.objectContaining({ id: eventId, attempts: 2, lastError: 'the endpoint answered 503' })]);
  });

  it('network errors count as failed attempts', async () => {
    const partner = await harness.makePartner();
    await setEndpoint(partner, 'https://acme.example/hooks/broken');
    mswServer.use(http.post('https://acme.example/hooks/broken', () => HttpResponse.error()));
    const eventId = await enqueueWebhookEvent(ctx.db, partner.account.id, 'order.failed', { orderId: 'o-3' });
    await expect(deliverWebhookEvent(ctx.db, eventId, { final: false, resolveHost: ctx.resolveHost })).rejects.toThrow();
    expect((await eventsOf(partner.account.id))[0]).toMatchObject({ status: 'retrying', attempts: 1, last_response_status: null });
  });

  it('without an endpoint the event is kept as no_endpoint (redeliver once one is set)', async () => {
    const partner = await harness.makePartner();
    const eventId = await enqueueWebhookEvent(ctx.db, partner.account.id, 'order.completed', { orderId: 'o-4' });
    expect(await deliverWebhookEvent(ctx.db, eventId, { final: false, resolveHost: ctx.resolveHost })).toBe('no_endpoint');
    expect((await eventsOf(partner.account.id))[0]).toMatchObject({ status: 'no_endpoint', attempts: 0 });
  });

  it('backs off exponentially for at least 24 h before dead-lettering', async () => {
    // pg-boss waits between half and all of delay · 2^min(16, n + 1), capped at delayMax, before retry n + 1.
    let shortest = 0;
    for (let retry = 0; retry < WEBHOOK_RETRY.limit; retry += 1) {
      shortest += Math.min(WEBHOOK_RETRY.delayMaxSeconds, (WEBHOOK_RETRY.delaySeconds * 2 ** Math.min(16, retry + 1)) / 2);
    }
    expect(shortest).toBeGreaterThanOrEqual(24 * 3600);
    const queue = await boss.getQueue(webhookDeliverWorker.name);
    expect(queue).toMatchObject({
      retryLimit: WEBHOOK_RETRY.limit,
      retryBackoff: true,
      retryDelayMax: WEBHOOK_RETRY.delayMaxSeconds,
      deadLetter: 'webhook.deliver.dead',
    });
  });
});

describe('secret rotation', () => {
  it('signs with both secrets for 24 h, then with the new one only', async () => {
    const partner = await harness.makePartner();
    const { secret: oldSecret } = await setEndpoint(partner, 'https://acme.example/hooks/rotating');
    const rotated = await setEndpoint(partner, 'https://acme.example/hooks/rotating', true);
    expect(rotated.secret).not.toBe(oldSecret);
    expect(new Date(rotated.previousSecretExpiresAt ?? 0).getTime()).toBeGreaterThan(Date.now() + SECRET_OVERLAP_MS - 60_000);
    const received = receiver('https://acme.example/hooks/rotating');
    const eventId = await enqueueWebhookEvent(ctx.db, partner.account.id, 'wallet.credited', { n: 1 });
    await deliverWebhookEvent(ctx.db, eventId, { final: false, resolveHost: ctx.resolveHost });
    const during = received[0] as Received;
    expect(during.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(new Webhook(oldSecret).verify(during.body, during.headers)).toMatchObject({ data: { n: 1 } });
    expect(new Webhook(rotated.secret).verify(during.body, during.headers)).toMatchObject({ data: { n: 1 } });

    const later = await enqueueWebhookEvent(ctx.db, partner.account.id, 'wallet.credited', { n: 2 });
    await deliverWebhookEvent(ctx.db, later, { final: false, resolveHost: ctx.resolveHost, now: new Date(Date.now() + SECRET_OVERLAP_MS + 1000) });
    const after = received[1] as Received;
    expect(after.headers['webhook-signature']?.split(' ')).toHaveLength(1);
    // Made "25 h later", the receiver's timestamp check would refuse it now; compare signatures directly.
    const signature = (secret: string) => new Webhook(secret).sign(later, new Date(Number(after.headers['webhook-timestamp']) * 1000), after.body);
    expect(after.headers['webhook-signature']).toBe(signature(rotated.secret));
    expect(after.headers['webhook-signature']).not.toContain(signature(oldSecret).slice(3));
  });
});

describe('events list and redelivery', () => {
  it("lists newest first with a cursor; redelivers on demand; another partner's event is 404", async () => {
    const partner = await harness.makePartner();
    const other = await harness.makePartner();
    const ids = [];
    for (let index = 0; index < 3; index += 1) ids.push(await enqueueWebhookEvent(ctx.db, partner.account.id, 'order.completed', { index }));
    const first = (await (await call(partner.liveKey, 'GET', '/v1/webhook-events?limit=2')).json()) as { data: { id: string }[]; nextCursor: string };
    expect(first.data.map((event) => event.id)).toEqual([ids[2], ids[1]]);
    const second = (await (await call(partner.liveKey, 'GET', `/v1/webhook-events?limit=2&cursor=${first.nextCursor}`)).json()) as {
      data: { id: string }[];
      nextCursor: string | null;
    };
    expect(second.data.map((event) => event.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();

    await setEndpoint(partner, 'https://acme.example/hooks/redeliver');
    const received = receiver('https://acme.example/hooks/redeliver');
    const redeliver = await call(partner.liveKey, 'POST', `/v1/webhook-events/${ids[0]}/redeliver`);
    expect(redeliver.status).toBe(202);
    expect(await redeliver.json()).toMatchObject({ id: ids[0], status: 'pending' });
    const jobs = await boss.fetch<{ eventId: string }>(webhookDeliverWorker.name, { batchSize: 50 });
    expect(jobs.map((job) => job.data.eventId)).toContain(ids[0]);
    for (const job of jobs) {
      await webhookDeliverWorker.handle(ctx, job.data, jobInfo()).catch(() => undefined);
      await boss.complete(webhookDeliverWorker.name, job.id);
    }
    expect(received.map((delivery) => delivery.headers['webhook-id'])).toContain(ids[0]);

    await expectProblem(await call(other.liveKey, 'POST', `/v1/webhook-events/${ids[0]}/redeliver`), 404, 'webhook_event_not_found');
    await expectProblem(await call(partner.testKey, 'POST', `/v1/webhook-events/${ids[0]}/redeliver`), 404, 'webhook_event_not_found');
    const otherList = (await (await call(other.liveKey, 'GET', '/v1/webhook-events')).json()) as { data: unknown[] };
    expect(otherList.data).toEqual([]);
  });
});

describe('a test event on demand', () => {
  it('POST /v1/webhook-endpoint/test queues a signed webhook.test event at once; without an endpoint, 404', async () => {
    const partner = await harness.makePartner();
    await expectProblem(await call(partner.liveKey, 'POST', '/v1/webhook-endpoint/test'), 404, 'webhook_endpoint_not_found');
    const { secret } = await setEndpoint(partner, 'https://acme.example/hooks/test-event');
    const received = receiver('https://acme.example/hooks/test-event');
    const sent = await call(partner.liveKey, 'POST', '/v1/webhook-endpoint/test');
    expect(sent.status).toBe(202);
    const event = (await sent.json()) as { id: string; type: string; status: string };
    expect(event).toMatchObject({ type: 'webhook.test', status: 'pending' });
    const jobs = await boss.fetch<{ eventId: string }>(webhookDeliverWorker.name, { batchSize: 50 });
    expect(jobs.map((job) => job.data.eventId)).toContain(event.id);
    for (const job of jobs) {
      await webhookDeliverWorker.handle(ctx, job.data, jobInfo()).catch(() => undefined);
      await boss.complete(webhookDeliverWorker.name, job.id);
    }
    const [delivery] = received;
    expect(delivery?.headers['webhook-id']).toBe(event.id);
    expect(new Webhook(secret).verify(delivery!.body, delivery!.headers)).toMatchObject({ type: 'webhook.test' });
    const listed = (await (await call(partner.liveKey, 'GET', '/v1/webhook-events')).json()) as { data: { id: string; status: string }[] };
    expect(listed.data[0]).toMatchObject({ id: event.id, status: 'delivered' });
  });
});

describe('dispatcher', () => {
  it('each run queues the next one a few seconds later; the queue never holds more than one waiting run', async () => {
    const waiting = async () => {
      const result = await sql<{ count: string }>`
        select count(*)::text as count from pgboss.job where name = ${webhookDispatchWorker.name} and state = 'created'`.execute(ctx.db);
      return Number(result.rows[0]?.count);
    };
    await webhookDispatchWorker.handle(ctx, {}, jobInfo());
    await webhookDispatchWorker.handle(ctx, {}, jobInfo());
    expect(await waiting()).toBe(1);
    const next = await sql<{ start_after: Date }>`
      select start_after from pgboss.job where name = ${webhookDispatchWorker.name} and state = 'created'`.execute(ctx.db);
    const delay = (next.rows[0]?.start_after.getTime() ?? 0) - Date.now();
    expect(delay).toBeGreaterThan(0);
    expect(delay).toBeLessThanOrEqual(DISPATCH_INTERVAL_SECONDS * 1000);
  });
});

describe('retries through pg-boss', () => {
  // The real queue's code with a fast policy: retries without delay, polling every half second.
  const fastQueue = defineWebhookDeliveryQueue('test.webhook.deliver', { limit: 2, delaySeconds: 0, backoff: false }, 0.5);

  async function waitForStatus(eventId: string, status: string) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const row = await ctx.db.selectFrom('webhook_events').selectAll().where('id', '=', eventId).executeTakeFirstOrThrow();
      if (row.status === status) return row;
      if (Date.now() > deadline) throw new Error(`event ${eventId} is ${row.status}, not ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('retries a failing receiver, then dead-letters; a receiver that recovers gets it delivered', async () => {
    await ensureQueues(boss, [fastQueue]);
    await startWorkers(boss, [fastQueue], ctx, ctx.metrics);
    onTestFinished(() => boss.offWork(fastQueue.name));
    const failing = await harness.makePartner();
    await setEndpoint(failing, 'https://acme.example/hooks/always-down');
    const failed = receiver('https://acme.example/hooks/always-down', [500]);
    const recovering = await harness.makePartner();
    await setEndpoint(recovering, 'https://acme.example/hooks/flaky');
    const flaky = receiver('https://acme.example/hooks/flaky', [502, 200]);

    const deadId = await enqueueWebhookEvent(ctx.db, failing.account.id, 'order.failed', { orderId: 'o-dead' });
    const okId = await enqueueWebhookEvent(ctx.db, recovering.account.id, 'order.completed', { orderId: 'o-ok' });
    await ctx.jobs.enqueue(fastQueue, { eventId: deadId });
    await ctx.jobs.enqueue(fastQueue, { eventId: okId });

    expect(await waitForStatus(okId, 'delivered')).toMatchObject({ attempts: 2, last_response_status: 200 });
    expect(flaky).toHaveLength(2);
    expect(await waitForStatus(deadId, 'dead')).toMatchObject({ attempts: 3, last_response_status: 500 });
    expect(failed).toHaveLength(3);
    // Each attempt is signed anew with the same webhook-id.
    expect(new Set(failed.map((delivery) => delivery.headers['webhook-id']))).toEqual(new Set([deadId]));
    const deadline = Date.now() + 10_000;
    let deadJobs = 0;
    while (deadJobs === 0 && Date.now() < deadline) {
      const result = await sql<{ count: string }>`select count(*)::text as count from pgboss.job where name = ${deadLetterName(fastQueue.name)}`.execute(
        ctx.db,
      );
      deadJobs = Number(result.rows[0]?.count);
      if (deadJobs === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(deadJobs).toBe(1);
  });
});
