// Hourly check of the ledger invariants (docs/product.md#money-and-the-ledger). Drift raises the ledger drift alert (see
// domain/ledger/alerts.ts) and logs the accounts involved; the job itself succeeds, because
// retrying a check that found drift would only find it again.
import { z } from 'zod';
import { runConsistencyCheck } from '../../domain/ledger/alerts.ts';
import { defineQueue } from '../registry.ts';

export const ledgerCheckQueue = defineQueue({
  name: 'ledger.consistency-check',
  payload: z.object({}).strict(),
  policy: 'singleton',
  retry: { limit: 2, delaySeconds: 60, backoff: true },
  expireInSeconds: 15 * 60,
  deadLetter: true,
  schedule: { cron: '0 * * * *', data: {} },
  async handle(ctx) {
    const report = await runConsistencyCheck(ctx);
    return { ok: report.ok, transfers: report.transfers, wallets: report.wallets, drifts: report.drifts.length };
  },
});
