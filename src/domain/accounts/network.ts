// What a parent sees of its direct children (docs/product.md#roles-and-the-hierarchy: visibility stops one level down): each
// child's balance and its month's net order spending ("sales"), read from the ledger. Sales are
// the child's order movements of the month (holds minus releases and refunds), so they are zero
// until orders exist and never need a second source of truth.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { money, type Money } from '../../shared/money.ts';
import type { Actor } from '../actor.ts';
import { walletBalance } from '../ledger/ledger.ts';
import { monthlyStatement } from '../ledger/statements.ts';
import { listChildren, type Account } from './accounts.ts';

export interface ChildSummary {
  account: Account;
  balance: Money;
  monthSales: Money;
}

/** One page of the actor's direct children (admins: of `parentId`, or the top level), with balance and month sales. */
export async function childSummaries(
  db: Kysely<DB>,
  actor: Actor,
  options: { month: string; offset: number; limit: number; parentId?: string },
): Promise<{ items: ChildSummary[]; total: number }> {
  // Admins sit at the top level too, but they have no wallet and are not part of the tree.
  const children = (await listChildren(db, actor, options.parentId)).filter((account) => account.role !== 'admin');
  const page = children.slice(options.offset, options.offset + options.limit);
  const items: ChildSummary[] = [];
  for (const account of page) items.push(await childSummary(db, actor, account, options.month));
  return { items, total: children.length };
}

/** One child's balance and month sales (the actor must be allowed to see its statement). */
export async function childSummary(db: Kysely<DB>, actor: Actor, account: Account, month: string): Promise<ChildSummary> {
  const balance = await walletBalance(db, account.id);
  const statement = await monthlyStatement(db, actor, account.id, month);
  return { account, balance, monthSales: money(-statement.orders.amount, account.currency) };
}
