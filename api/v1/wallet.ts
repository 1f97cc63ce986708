// GET /v1/wallet and GET /v1/transactions (JSON pages, or the whole history as CSV).
import { z } from '@hono/zod-openapi';
import { stringify } from 'csv-stringify/sync';
import type { AppContext } from '#src/context.ts';
import { accountActor, type Actor } from '#src/domain/actor.ts';
import { setLowBalanceThreshold, walletWithThreshold } from '#src/domain/ledger/low-balance.ts';
import { walletTransactions, type WalletTransaction } from '#src/domain/ledger/statements.ts';
import { formatAmount, parseMoney, toJsonMoney } from '#src/shared/money.ts';
import { partnerPrincipal } from '../middleware/auth.ts';
import { defineRoute, wantsCsv } from '../middleware/scopes.ts';
import { createRouter } from '../router.ts';
import { AmountSchema, errorResponses, MoneySchema, PageQuerySchema, SECURITY } from '../schemas.ts';

// Inline rather than MoneySchema: the generator drops `null` beside a named schema's $ref.
const NullableMoney = z.object({ amount: AmountSchema.openapi({ example: '50.00' }), currency: z.string().regex(/^[A-Z]{3}$/) }).nullable();

const WalletSchema = z
  .object({
    accountId: z.string().uuid(),
    mode: z.enum(['live', 'test']).openapi({ description: '`test` for the sandbox wallet of `sk_test_` keys.' }),
    balance: MoneySchema,
    lowBalanceThreshold: NullableMoney.openapi({ description: 'Below this a debit sends one `wallet.low_balance` event (null: none).' }),
  })
  .openapi('Wallet');

const LowBalanceSchema = z
  .object({ threshold: NullableMoney.openapi({ description: "In the wallet's currency; null removes it." }) })
  .openapi('LowBalanceThreshold');

const TransactionSchema = z
  .object({
    id: z.string().openapi({ example: '1024' }),
    transferId: z.string().uuid(),
    kind: z.string().openapi({ example: 'manual_credit' }),
    amount: MoneySchema.openapi({ description: 'Signed: positive came in, negative went out.' }),
    createdAt: z.string().datetime(),
  })
  .openapi('Transaction');

const TransactionPageSchema = z.object({ data: z.array(TransactionSchema), nextCursor: z.string().nullable() }).openapi('TransactionPage');

/** CSV exports walk the pages up to this many rows; ask again with a narrower account history otherwise. */
export const CSV_EXPORT_MAX_ROWS = 100_000;

const toTransaction = (item: WalletTransaction) => ({
  id: item.id,
  transferId: item.transferId,
  kind: item.kind,
  amount: toJsonMoney(item.amount),
  createdAt: item.at.toISOString(),
});

/** A wallet's transactions as CSV (newest first, up to CSV_EXPORT_MAX_ROWS): the API's export and the web app's. */
export async function transactionsCsv(ctx: AppContext, actor: Actor, accountId: string, from?: string): Promise<string> {
  const rows: string[][] = [];
  let cursor = from;
  do {
    const page = await walletTransactions(ctx.db, actor, accountId, { cursor, limit: 200 });
    for (const item of page.items) {
      rows.push([item.id, item.at.toISOString(), item.kind, formatAmount(item.amount), item.amount.currency, item.transferId]);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && rows.length < CSV_EXPORT_MAX_ROWS);
  return stringify(rows, { header: true, columns: ['id', 'created_at', 'kind', 'amount', 'currency', 'transfer_id'] });
}

export function walletRoutes(ctx: AppContext) {
  const router = createRouter();

  router.openapi(
    defineRoute({
      permission: 'wallet:read',
      method: 'get',
      path: '/wallet',
      tags: ['Wallet'],
      summary: 'The balance of the wallet the key acts on',
      security: SECURITY,
      responses: { 200: { description: 'The wallet', content: { 'application/json': { schema: WalletSchema } } }, ...errorResponses() },
    }),
    async (c) => {
      const principal = partnerPrincipal(c);
      const { balance, lowBalanceThreshold: threshold } = await walletWithThreshold(ctx.db, principal.accountId);
      return c.json(
        { accountId: principal.accountId, mode: principal.mode, balance: toJsonMoney(balance), lowBalanceThreshold: threshold ? toJsonMoney(threshold) : null },
        200,
      );
    },
  );

  router.openapi(
    defineRoute({
      permission: 'wallet:settings',
      method: 'put',
      path: '/wallet/low-balance',
      tags: ['Wallet'],
      summary: 'Set or remove the low-balance threshold of the wallet the key acts on',
      description:
        'When a debit takes the balance from at or above the threshold to below it, one `wallet.low_balance` webhook event is sent; another only after the balance was back at or above it.',
      security: SECURITY,
      request: { body: { required: true, content: { 'application/json': { schema: LowBalanceSchema } } } },
      responses: {
        200: { description: 'The threshold now', content: { 'application/json': { schema: LowBalanceSchema } } },
        ...errorResponses({ 422: "Another currency than the wallet's, or not positive (`currency_mismatch`, `invalid_amount`)" }),
      },
    }),
    async (c) => {
      const principal = partnerPrincipal(c);
      const { threshold } = c.req.valid('json');
      const set = await setLowBalanceThreshold(
        ctx.db,
        accountActor(principal.accountId, 'api'),
        principal.accountId,
        threshold ? parseMoney(threshold.amount, threshold.currency) : null,
      );
      return c.json({ threshold: set ? toJsonMoney(set) : null }, 200);
    },
  );

  router.openapi(
    defineRoute({
      permission: (c) => (wantsCsv(c.req.query('format'), c.req.header('accept')) ? 'transactions:export' : 'transactions:read'),
      method: 'get',
      path: '/transactions',
      tags: ['Wallet'],
      summary: 'Wallet movements, newest first',
      description: 'JSON pages with a cursor, or the whole history as CSV with `?format=csv` or `Accept: text/csv`.',
      security: SECURITY,
      request: { query: PageQuerySchema.extend({ format: z.enum(['json', 'csv']).optional() }) },
      responses: {
        200: {
          description: 'A page of transactions (or CSV)',
          content: {
            'application/json': { schema: TransactionPageSchema },
            'text/csv': { schema: z.string().openapi({ example: 'id,created_at,kind,amount,currency,transfer_id\n' }) },
          },
        },
        ...errorResponses({ 400: 'Invalid input or cursor (`validation_failed`, `invalid_cursor`)' }),
      },
    }),
    async (c) => {
      const principal = partnerPrincipal(c);
      const query = c.req.valid('query');
      const actor = accountActor(principal.accountId, 'api');
      if (!wantsCsv(query.format, c.req.header('accept'))) {
        const page = await walletTransactions(ctx.db, actor, principal.accountId, { cursor: query.cursor, limit: query.limit });
        return c.json({ data: page.items.map(toTransaction), nextCursor: page.nextCursor }, 200);
      }
      const csv = await transactionsCsv(ctx, actor, principal.accountId, query.cursor);
      return c.body(csv, 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="transactions-${principal.accountId}.csv"`,
      });
    },
  );

  return router;
}
