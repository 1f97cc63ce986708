// The web app's pages over real HTTP (issue 21: "pages answer p99 ≤ 100 ms on the demo data"): the
// app as `npm start` runs it (api role) on a scratch database with the demo seed, 500 catalog
// products, 80 orders of the demo partner's sandbox and a full card list (10 entries); the demo partner user
// and an admin (signed in through a bot link) each have a session. Each page is asked by one
// connection, then by `--connections` at once, for `--seconds` each, from a worker thread
// (bench/http-load.ts: the client's fetch loops never queue on the server's event loop); p50/p99.
// Needs DATABASE_URL (a server where it may create and drop a scratch database).
// Usage: DATABASE_URL=postgres://… npm run bench:web [-- --seconds 5 --connections 10]
import { withDatabaseName } from '../src/db/database.ts';
import { accountActor, platformActor } from '../src/domain/actor.ts';
import { addAdmin } from '../src/domain/accounts/accounts.ts';
import { apiKeySecret, findSandboxAccountId } from '../src/domain/api-keys/api-keys.ts';
import { createOrder } from '../src/domain/orders/intake.ts';
import { saveCardList } from '../src/domain/pricing/card-list.ts';
import { issueWebLoginLink } from '../src/domain/web-access/login-links.ts';
import { createConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { startApp } from '../src/main.ts';
import { parseMoney } from '../src/shared/money.ts';
import { adminQuery } from '../test/support/admin.ts';
import { loadFrom } from './http-load.ts';
import { arg, insertBenchCatalog, percentile } from './support.ts';

const SECONDS = arg('seconds', 5);
const CONNECTIONS = arg('connections', 10);
const ORDERS = 80; // the demo sandbox holds 1000.00 USD
const CARD_LIST_ENTRIES = 10; // CARD_LIST_MAX_ENTRIES by default
if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL (the bench creates and drops a scratch database there)');
const SERVER = process.env.DATABASE_URL;
const runId = `bench_web_${process.pid}`;
await adminQuery(SERVER, `create database ${runId}`);

const config = createConfig({ DATABASE_URL: withDatabaseName(SERVER, runId), PORT: '0', LOG_LEVEL: 'warn', APP_ROLES: 'api', DEMO_SEED: 'always' });
const app = await startApp(config, createLogger({ level: 'warn', pretty: false }), { roles: config.APP_ROLES });

/** The cookies a response set, as a request's `cookie` header. */
const cookiesOf = (response: Response) =>
  response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');

/** Posts a sign-in form as a browser would (the page's CSRF cookie and field); returns the session cookie. */
async function signIn(base: string, path: string, fields: Record<string, string>): Promise<string> {
  const form = await fetch(`${base}${path}`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const signedIn = await fetch(`${base}${path.split('?')[0]}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookiesOf(form), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
  });
  const session = cookiesOf(signedIn)
    .split('; ')
    .find((pair) => pair.startsWith('steller_session='));
  if (!session) throw new Error(`sign-in at ${path} failed: ${signedIn.status}`);
  return session;
}

try {
  const base = app.apiUrl as string;
  const db = app.resources.db;
  const password = /demo@steller\.example, password \(shown once\): (\S+)/.exec(app.summary.join('\n'))?.[1];
  if (!password) throw new Error('the demo seed printed no web password');
  const products = Array.from({ length: 500 }, (_, index) => ({ id: 970_000 + index, name: `Bench card ${index}` }));
  await insertBenchCatalog(db, { key: 'bench-web', name: 'Bench Brand', countryCode: 'US' }, products);
  await saveCardList(
    db,
    platformActor('cli'),
    products.slice(0, CARD_LIST_ENTRIES).map((product) => ({ productId: BigInt(product.id), denominations: [1000n] })),
    { maxEntries: config.CARD_LIST_MAX_ENTRIES },
  );
  const partner = await db.selectFrom('accounts').select('id').where('name', '=', 'Demo Partner').executeTakeFirstOrThrow();
  const sandboxId = (await findSandboxAccountId(db, partner.id)) as string;
  for (let index = 0; index < ORDERS; index += 1) {
    await createOrder(app.resources, {
      buyerId: sandboxId,
      actor: accountActor(sandboxId, 'web'),
      clientReference: `bench-${index}`,
      productId: BigInt(products[index % products.length]!.id),
      face: parseMoney('10.00', 'USD'),
      quantity: 1,
    });
  }

  const partnerSession = await signIn(base, '/app/login', { email: 'demo@steller.example', password });
  const { account: admin } = await addAdmin(db, platformActor('cli'), { telegramUserId: '900900', name: 'Bench Admin', currency: 'USD' });
  const { token } = await issueWebLoginLink(db, apiKeySecret(config), accountActor(admin.id, 'telegram'));
  const adminSession = await signIn(base, `/app/login/link?token=${token}`, { token });

  const pages: [path: string, session: string][] = [
    ...[
      '/app/partner',
      '/app/partner/catalog',
      '/app/partner/orders?mode=test',
      '/app/partner/webhooks?mode=test',
      '/app/partner/logs?mode=test',
      '/app/partner/keys',
      '/app/partner/playground',
    ].map((path) => [path, partnerSession] as [string, string]),
    ...[
      '/app/admin',
      '/app/admin/network',
      '/app/admin/orders',
      '/app/admin/partners',
      '/app/admin/signups',
      '/app/admin/pricing',
      '/app/admin/ops',
      '/app/admin/metrics',
      '/app/admin/audit',
    ].map((path) => [path, adminSession] as [string, string]),
  ];
  console.log(`web pages, ${SECONDS} s per page and connection count, ${ORDERS} orders, ${products.length} products (ms)`);
  console.log(`  ${'page'.padEnd(38)} ${'1 conn p50 / p99'.padStart(18)} ${`${CONNECTIONS} conn p50 / p99`.padStart(19)}  req/s`);
  for (const [path, cookie] of pages) {
    const spec = { url: `${base}${path}`, headers: { cookie } };
    await loadFrom({ ...spec, connections: 1, seconds: 0.5 }); // warm-up
    const columns: string[] = [];
    let rate = 0;
    for (const connections of [1, CONNECTIONS]) {
      const result = await loadFrom({ ...spec, connections, seconds: SECONDS });
      if (result.errors > 0) throw new Error(`${path}: ${result.errors} of ${result.requests} requests failed`);
      const show = (p: number) => percentile(result.latencies, p).toFixed(1);
      columns.push(`${show(50)} / ${show(99)}`);
      rate = result.requests / result.seconds;
    }
    console.log(`  ${path.padEnd(38)} ${columns[0]!.padStart(18)} ${columns[1]!.padStart(19)}  ${rate.toFixed(0)}`);
  }
} finally {
  await app.stop();
  await adminQuery(SERVER, `drop database if exists ${runId} with (force)`);
}
