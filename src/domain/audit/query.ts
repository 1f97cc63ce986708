// Reading the audit log: an admin service, so it sits on top of the accounts' rights check, while
// writeAudit (audit.ts) stays below everything that records a change, accounts included.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { requireAdmin } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import type { AuditLogRow } from './audit.tables.ts';

export interface AuditQuery {
  actorAccountId?: string;
  subject?: { type: string; id: string };
  action?: string;
  from?: Date;
  to?: Date;
  /** Newest first; pass the last row's id to get the next page. */
  beforeId?: bigint;
  limit?: number;
}

/** The audit log is for active admins and the platform only. */
export async function queryAuditLog(db: Kysely<DB>, actor: Actor, query: AuditQuery = {}): Promise<AuditLogRow[]> {
  await requireAdmin(db, actor);
  let select = db.selectFrom('audit_log').selectAll();
  if (query.actorAccountId) select = select.where('actor_account_id', '=', query.actorAccountId);
  if (query.subject) select = select.where('subject_type', '=', query.subject.type).where('subject_id', '=', query.subject.id);
  if (query.action) select = select.where('action', '=', query.action);
  if (query.from) select = select.where('at', '>=', query.from);
  if (query.to) select = select.where('at', '<', query.to);
  if (query.beforeId !== undefined) select = select.where('id', '<', query.beforeId);
  return select
    .orderBy('id', 'desc')
    .limit(Math.min(query.limit ?? 50, 500))
    .execute();
}
