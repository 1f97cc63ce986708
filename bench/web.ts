// The web app's pages over real HTTP (issue 21: "pages answer p99 ≤ 100 ms on the demo data"): the
// app as `npm start` runs it (api role) on a scratch database with the demo seed, 500 catalog
// products and 80 orders of the demo partner's sandbox, the demo partner user signed in. Each
// page is asked `--requests` times in a row (one connection, keep-alive), then with 10 at once;
// p50/p99 per page. Needs DATABASE_URL (a server where it may create and drop a scratch database).
// Usage: DATABASE_URL=postgres://… npm run bench:web [-- --requests 300]
import { withDatabaseName } from '../src/db/database.ts';
import { accountActor } from '../src/domain/actor.ts';
import { findSandboxAccountId } from '../src/domain/api-keys/api-keys.ts';
import { createOrder } from '../src/domain/orders/intake.ts';
import { createConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { startApp } from '../src/main.ts';
import { parseMoney } from '../src/shared/money.ts';
import { adminQuery } from '../test/support/admin.ts';
import { arg, insertBenchCatalog, percentile } from './support.ts';

const REQUESTS = arg('requests', 300);
const ORDERS = 80; // the demo sandbox holds 1000.00 USD
if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL (the bench creates and drops a scratch database there)');
const SERVER = process.env.DATABASE_URL;
const runId = `bench_web_${process.pid}`;
await adminQuery(SERVER, `create database ${runId}`);

const config = createConfig({ DATABASE_URL: withDatabaseName(SERVER, runId), PORT: '0', LOG_LEVEL: 'warn', APP_ROLES: 'api', DEMO_SEED: 'always' });
const app = await startApp(config, createLogger({ level: 'warn', pretty: false }), { roles: config.APP_ROLES });
try {
  const base = app.apiUrl as string;
  const db = app.resources.db;
  const password = /demo@steller\.example, password \(shown once\): (\S+)/.exec(app.summary.join('\n'))?.[1];
  if (!password) throw new Error('the demo seed printed no web password');
  const products = Array.from({ length: 500 }, (_, index) => ({ id: 970_000 + index, name: `Bench card ${index}` }));
  await insertBenchCatalog(db, { key: 'bench-web', name: 'Bench Brand', countryCode: 'US' }, products);
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

  // Sign in as a browser would: the login page's CSRF cookie and field, then the session cookie.
  const login = await fetch(`${base}/app/login`);
  const anonymous = login.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())?.[1] ?? '';
  const signedIn = await fetch(`${base}/app/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: anonymous, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email: 'demo@steller.example', password }).toString(),
  });
  const session = signedIn.headers
    .getSetCookie()
    .find((line) => line.startsWith('steller_session='))
    ?.split(';')[0];
  if (!session) throw new Error(`sign-in failed: ${signedIn.status}`);

  const pages = [
    '/app/partner',
    '/app/partner/catalog',
    '/app/partner/orders?mode=test',
    '/app/partner/webhooks?mode=test',
    '/app/partner/logs?mode=test',
    '/app/partner/keys',
    '/app/partner/playground',
  ];
  const ask = async (path: string): Promise<number> => {
    const started = performance.now();
    const response = await fetch(`${base}${path}`, { headers: { cookie: session } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
    return performance.now() - started;
  };
  console.log(`web pages, ${REQUESTS} requests each, ${ORDERS} orders, ${products.length} products (ms)`);
  for (const concurrency of [1, 10]) {
    for (const path of pages) {
      for (let warm = 0; warm < 10; warm += 1) await ask(path);
      const times: number[] = [];
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (times.length < REQUESTS) times.push(await ask(path));
        }),
      );
      times.sort((a, b) => a - b);
      console.log(
        `  ${concurrency} conn  ${path.padEnd(38)} p50 ${percentile(times, 50).toFixed(1).padStart(6)}  p99 ${percentile(times, 99).toFixed(1).padStart(6)}`,
      );
    }
  }
} finally {
  await app.stop();
  await adminQuery(SERVER, `drop database if exists ${runId} with (force)`);
}
