// The audit log: one row for every money movement and every change of rights or status (docs/product.md#roles-and-the-hierarchy).
// Written in the same transaction as the change it describes, so neither exists without the other.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Actor } from '../actor.ts';
import { toJson } from '../json.ts';

export interface AuditRecord {
  actor: Actor;
  /** Dotted verb: `account.paused`, `topup.approved`, `ledger.transfer`… */
  action: string;
  subject: { type: string; id: string };
  before?: unknown;
  after?: unknown;
}

export async function writeAudit(db: Kysely<DB>, record: AuditRecord): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor_account_id: record.actor.accountId,
      channel: record.actor.channel,
      action: record.action,
      subject_type: record.subject.type,
      subject_id: record.subject.id,
      before: record.before === undefined ? null : toJson(record.before),
      after: record.after === undefined ? null : toJson(record.after),
    })
    .execute();
}
