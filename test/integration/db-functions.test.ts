// The money rules in one readable place: `src/db/functions/` holds the current source of every
// function the migrations install in the public schema, one `<name>.sql` file each, and this test
// keeps them equal to what a fully migrated database runs. A migration that changes a function
// copies the new text in; the file is then updated to the installed definition (README there).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.ts';
import { createTestDatabase } from '../support/db.ts';

const FUNCTIONS_DIR = path.join(PROJECT_ROOT, 'src/db/functions');
const README = path.join(FUNCTIONS_DIR, 'README.md');

const { db } = await createTestDatabase();

/**
 * A definition as lines without indentation, trailing spaces, blank lines or a final semicolon:
 * what may differ between `pg_get_functiondef` and a readable file without changing the function.
 */
function normaliseDefinition(text: string): string[] {
  return text
    .replace(/;\s*$/, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** Every function of the public schema, by name, as PostgreSQL prints it (extensions' excluded). */
async function installedFunctions(database: Kysely<any>): Promise<Map<string, string>> {
  const result = await sql<{ name: string; definition: string }>`
    select p.proname as name, pg_get_functiondef(p.oid) as definition
    from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public' and p.prokind in ('f', 'p')
      and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
    order by p.proname, p.oid`.execute(database);
  const functions = new Map<string, string>();
  for (const row of result.rows) {
    // One file per name: an overload would need a name of its own.
    if (functions.has(row.name)) throw new Error(`${row.name} is overloaded: give each function its own name`);
    functions.set(row.name, row.definition);
  }
  return functions;
}

function sourceFiles(): Map<string, string> {
  const files = existsSync(FUNCTIONS_DIR) ? readdirSync(FUNCTIONS_DIR).filter((file) => file.endsWith('.sql')) : [];
  return new Map(files.map((file) => [path.basename(file, '.sql'), readFileSync(path.join(FUNCTIONS_DIR, file), 'utf8')]));
}

/** What differs between the database and `src/db/functions/`, one sentence per function. */
function drift(installed: Map<string, string>, sources: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, definition] of installed) {
    const source = sources.get(name);
    if (source === undefined) {
      problems.push(`${name} is installed but src/db/functions/${name}.sql is missing; it should read:\n${definition.trimEnd()};`);
    } else if (normaliseDefinition(source).join('\n') !== normaliseDefinition(definition).join('\n')) {
      problems.push(`src/db/functions/${name}.sql differs from the installed ${name}, which reads:\n${definition.trimEnd()};`);
    }
  }
  for (const name of sources.keys()) {
    if (!installed.has(name)) problems.push(`src/db/functions/${name}.sql has no installed function ${name}`);
  }
  return problems;
}

/** Runs `change` in a transaction that is always rolled back, and answers what `read` saw in it. */
async function insideRolledBack<T>(change: (trx: Kysely<any>) => Promise<void>, read: (trx: Kysely<any>) => Promise<T>): Promise<T> {
  const rolledBack = new Error('rolled back');
  let seen: T | undefined;
  const outcome = await db
    .transaction()
    .execute(async (trx) => {
      await change(trx);
      seen = await read(trx);
      throw rolledBack;
    })
    .catch((error: unknown) => error);
  expect(outcome).toBe(rolledBack);
  return seen as T;
}

describe('database functions', () => {
  it('every function installed in the public schema has its source file, equal to the installed definition', async () => {
    const installed = await installedFunctions(db);
    expect([...installed.keys()]).toContain('ledger_transfers');
    expect(drift(installed, sourceFiles())).toEqual([]);
  });

  it('reports a function without a source file, a changed function and a file without a function; ignores extensions', async () => {
    const problems = await insideRolledBack(
      async (trx) => {
        await sql`create function public.undocumented_rule() returns integer language sql as $$ select 1 $$`.execute(trx);
        await sql`create or replace function public.append_only_guard() returns trigger language plpgsql as $$
          begin
            return null;
          end
          $$`.execute(trx);
        await sql`drop function public.uuid_v7() cascade`.execute(trx);
        // pgcrypto's functions land in public too, and are not ours to document.
        await sql`create extension pgcrypto schema public`.execute(trx);
      },
      async (trx) => drift(await installedFunctions(trx), sourceFiles()),
    );
    expect(problems.map((problem) => problem.split('\n')[0])).toEqual([
      'src/db/functions/append_only_guard.sql differs from the installed append_only_guard, which reads:',
      'undocumented_rule is installed but src/db/functions/undocumented_rule.sql is missing; it should read:',
      'src/db/functions/uuid_v7.sql has no installed function uuid_v7',
    ]);
  });

  it('compares whitespace loosely but the text exactly', () => {
    const installed = 'CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE sql\nAS $function$\n    select 1\n    $function$';
    expect(drift(new Map([['f', installed]]), new Map([['f', `${installed.replaceAll('    ', '')}\n\n;\n`]]))).toEqual([]);
    expect(drift(new Map([['f', installed]]), new Map([['f', installed.replace('select 1', 'select  1')]]))).toHaveLength(1);
  });

  it('the README of src/db/functions names every function and every trigger that calls one', async () => {
    const readme = existsSync(README) ? readFileSync(README, 'utf8') : '';
    for (const name of (await installedFunctions(db)).keys()) expect(readme, name).toContain(`\`${name}\``);
    const triggers = await sql<{ name: string }>`
      select t.tgname as name from pg_trigger t
      join pg_proc p on p.oid = t.tgfoid
      join pg_namespace n on n.oid = p.pronamespace
      where not t.tgisinternal and n.nspname = 'public'
      order by t.tgname`.execute(db);
    expect(triggers.rows.length).toBeGreaterThan(0);
    for (const { name } of triggers.rows) expect(readme, name).toContain(`\`${name}\``);
  });
});
