// Operations views of the job system: what waits, what failed and why, and putting failed work back.
// Reads pg-boss's job table directly (one query for every queue); retries go through pg-boss.
// Every exported view and retry takes the actor: active admins and the platform only.
import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Database } from '../db/database.ts';
import { requireAdmin } from '../domain/accounts/accounts.ts';
import type { Actor } from '../domain/actor.ts';
import { writeAudit } from '../domain/audit/audit.ts';
import { BOSS_SCHEMA } from '../jobs/boss.ts';
import { deadLetterName, type JobQueue, type QueueContract } from '../shared/queue-contract.ts';
import { DomainError } from '../shared/errors.ts';

/** What retrying needs of pg-boss: a PgBoss instance, or `databaseJobControl` where none is at hand. */
export interface JobControl {
  send(name: string, data: object): Promise<string | null>;
  retry(name: string, id: string): Promise<unknown>;
  deleteJob(name: string, id: string | string[]): Promise<unknown>;
}
// PgBoss is one (checked here, not at each caller).
const _pgBossIsJobControl = (boss: PgBoss): JobControl => boss;
void _pgBossIsJobControl;

export interface QueueSummary {
  queue: string;
  waiting: number;
  active: number;
  failed: number;
  /** Created time of the oldest job still waiting (created or retry), if any. */
  oldestWaitingSince: Date | null;
}

export interface FailedJob {
  queue: string;
  id: string;
  /** For a dead-lettered job: the queue it failed in. */
  failedIn: string;
  error: string;
  retryCount: number;
  createdAt: Date;
  data: unknown;
}

const job = (table: string) => sql.table(`${BOSS_SCHEMA}.${table}`);

export async function queueSummaries(db: Database, actor: Actor, queueNames: readonly string[]): Promise<QueueSummary[]> {
  await requireAdmin(db, actor);
  const names = [...new Set(queueNames.flatMap((name) => [name, deadLetterName(name)]))];
  const rows = await sql<{ name: string; waiting: bigint; active: bigint; failed: bigint; oldest: Date | null }>`
    select name,
      count(*) filter (where state in ('created', 'retry')) as waiting,
      count(*) filter (where state = 'active') as active,
      count(*) filter (where state = 'failed') as failed,
      min(created_on) filter (where state in ('created', 'retry')) as oldest
    from ${job('job')}
    where name = any(${names})
    group by name`.execute(db);
  const byName = new Map(rows.rows.map((row) => [row.name, row]));
  return names
    .map((queue) => {
      const row = byName.get(queue);
      return {
        queue,
        waiting: Number(row?.waiting ?? 0n),
        active: Number(row?.active ?? 0n),
        failed: Number(row?.failed ?? 0n),
        oldestWaitingSince: row?.oldest ?? null,
      };
    })
    .filter((summary) => !summary.queue.endsWith('.dead') || summary.waiting + summary.failed > 0);
}

function errorText(output: unknown): string {
  if (output && typeof output === 'object' && 'message' in output) return String((output as { message: unknown }).message);
  return output === null || output === undefined ? '(no error recorded)' : JSON.stringify(output);
}

/**
 * Work that failed for good, newest first: failed jobs, and dead-letter entries whose original job is
 * gone (pg-boss keeps both a failed job and its dead-letter copy; each piece of work is listed once).
 */
export async function failedJobs(db: Database, actor: Actor, options: FailedJobQuery = {}): Promise<FailedJob[]> {
  await requireAdmin(db, actor);
  return readFailedJobs(db, options);
}

interface FailedJobQuery {
  queue?: string;
  id?: string;
  limit?: number;
}

/** The read behind `failedJobs`, for the retries below (their caller checked the actor). */
async function readFailedJobs(db: Database, options: FailedJobQuery): Promise<FailedJob[]> {
  const rows = await sql<{
    name: string;
    id: string;
    state: string;
    output: unknown;
    source_name: string | null;
    source_output: unknown;
    retry_count: number;
    created_on: Date;
    data: unknown;
  }>`
    select name, id, state, output, source_name, source_output, retry_count, created_on, data
    from ${job('job')} job
    where (state = 'failed' or (name like '%.dead' and state in ('created', 'retry')
        and not exists (select 1 from ${job('job')} original where original.id = job.source_id and original.state = 'failed')))
      ${options.queue ? sql`and (name = ${options.queue} or name = ${deadLetterName(options.queue)})` : sql``}
      ${options.id ? sql`and id = ${options.id}` : sql``}
    order by created_on desc
    limit ${options.limit ?? 50}`.execute(db);
  return rows.rows.map((row) => ({
    queue: row.name,
    id: row.id,
    failedIn: row.source_name ?? row.name.replace(/\.dead$/, ''),
    error: errorText(row.name.endsWith('.dead') ? row.source_output : row.output),
    retryCount: row.retry_count,
    createdAt: row.created_on,
    data: row.data,
  }));
}

/**
 * Runs failed work again, once. A failed job is retried in place and its dead-letter copy dropped; a
 * dead-letter entry whose original is gone is sent back to the queue it failed in.
 */
async function retryJob(boss: JobControl, db: Database, queue: string, id: string): Promise<{ queue: string; id: string }> {
  const found = (await readFailedJobs(db, { queue: queue.replace(/\.dead$/, ''), id })).find((candidate) => candidate.queue === queue);
  if (!found) throw new DomainError('job_not_found', `no failed or dead-lettered job ${id} in ${queue}`);
  if (queue.endsWith('.dead')) {
    const newId = await boss.send(found.failedIn, found.data as object);
    await boss.deleteJob(queue, id);
    return { queue: found.failedIn, id: newId ?? id };
  }
  await boss.retry(queue, id);
  const copies = await sql<{ id: string }>`select id from ${job('job')} where name = ${deadLetterName(queue)} and source_id = ${id}`.execute(db);
  if (copies.rows.length > 0)
    await boss.deleteJob(
      deadLetterName(queue),
      copies.rows.map((copy) => copy.id),
    );
  return { queue, id };
}

/** Retries every failed and dead-lettered job (of one queue, or all). */
async function retryAll(boss: JobControl, db: Database, queue?: string): Promise<{ queue: string; id: string }[]> {
  const jobs = await readFailedJobs(db, { ...(queue ? { queue } : {}), limit: 10_000 });
  const retried = [];
  for (const failed of jobs) retried.push(await retryJob(boss, db, failed.queue, failed.id));
  return retried;
}

/**
 * Job control for processes that only send jobs (the API and the bot have no PgBoss handle): a
 * dead-letter entry is sent again through the queue's definition (its payload is validated), a failed
 * job is put back with the same statement pg-boss's `retry` runs, and copies are deleted by id.
 */
export function databaseJobControl(db: Database, jobs: JobQueue, queues: readonly QueueContract[]): JobControl {
  const definitionOf = (name: string) => {
    const definition = queues.find((queue) => queue.name === name);
    if (!definition) throw new DomainError('queue_not_found', `no queue ${name}`);
    return definition;
  };
  return {
    send: (name, data) => jobs.enqueue(definitionOf(name), data),
    retry: async (name, id) => {
      await sql`
        update ${job('job')} set state = 'retry', retry_limit = retry_limit + 1, completed_on = null,
          start_after = greatest(start_after, ${sql.raw(BOSS_SCHEMA)}.job_now())
        where name = ${name} and id = ${id}::uuid and state = 'failed'`.execute(db);
    },
    deleteJob: async (name, id) => {
      const ids = Array.isArray(id) ? id : [id];
      await sql`delete from ${job('job')} where name = ${name} and id = any(${ids}::uuid[])`.execute(db);
    },
  };
}

/** An operator's retry (one job, or every failed job of a queue), with its audit row. */
export async function retryFailedWork(
  control: JobControl,
  db: Database,
  actor: Actor,
  target: { queue: string; id: string } | { queue?: string; all: true },
): Promise<{ queue: string; id: string }[]> {
  await requireAdmin(db, actor);
  const retried = 'id' in target ? [await retryJob(control, db, target.queue, target.id)] : await retryAll(control, db, target.queue);
  await writeAudit(db, {
    actor,
    action: 'ops.jobs_retried',
    subject: { type: 'queue', id: target.queue ?? '*' },
    after: { requested: 'id' in target ? target.id : 'all', retried },
  });
  return retried;
}
