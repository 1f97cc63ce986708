// Monthly statements (contract in src/domain/reports/queues.ts): each account once per month, so a
// retried or repeated run sends nothing twice.
import { announceMonthlyStatements, lastMonth } from '../../domain/reports/monthly-reports.ts';
import { monthlyStatementsQueue } from '../../domain/reports/queues.ts';
import { bindQueue } from '../registry.ts';

export const monthlyStatementsWorker = bindQueue(monthlyStatementsQueue, (ctx, data) => announceMonthlyStatements(ctx, data.month ?? lastMonth()));
