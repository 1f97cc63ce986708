// Accounts and the hierarchy rules of docs/product.md#roles-and-the-hierarchy, enforced here (not only in the bot or the API):
//   platform → agent → sub-agent (a partner may be the parent of agents); a sub-agent has no
//   children; a parent acts on its direct children only; a paused account cannot order or move
//   money, and pausing an account stops ordering in everything below it.
import { sql, type Kysely } from 'kysely';
import { prepared } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { money } from '../../shared/money.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { createWallet } from '../ledger/ledger.ts';
import type { AccountRole, AccountRow, AccountStatus } from './accounts.tables.ts';
import { isUuid } from '../../shared/ids.ts';
import { unsafeTextReason } from '../../shared/text.ts';

export interface Account {
  id: string;
  role: AccountRole;
  name: string;
  parentId: string | null;
  status: AccountStatus;
  /** Decimal string: Telegram ids exceed 2^53 in principle. */
  telegramUserId: string | null;
  currency: string;
  createdAt: Date;
}

/** The columns an `Account` is made of (named, so a prepared read keeps its shape when the table gains one). */
const ACCOUNT_COLUMNS = ['id', 'role', 'name', 'parent_id', 'status', 'telegram_user_id', 'currency', 'created_at'] as const;

export function toAccount(row: Pick<AccountRow, (typeof ACCOUNT_COLUMNS)[number]>): Account {
  return {
    id: row.id,
    role: row.role,
    name: row.name,
    parentId: row.parent_id,
    status: row.status,
    telegramUserId: row.telegram_user_id === null ? null : row.telegram_user_id.toString(),
    currency: row.currency,
    createdAt: row.created_at,
  };
}

export async function findAccount(db: Kysely<DB>, id: string): Promise<Account | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toAccount(row);
}

/** Several accounts in one read, by id; ids that name no account are missing from the map. */
/** An account with the book its money is in. */
export interface AccountWithBook extends Account {
  /** A partner's sandbox account (`sk_test_` keys): its money is test money (docs/money.md, Sandbox money). */
  sandbox: boolean;
}

export async function findAccounts(db: Kysely<DB>, ids: readonly string[]): Promise<Map<string, AccountWithBook>> {
  const wellFormed = [...new Set(ids)].filter((id) => isUuid(id));
  // One text for any number of ids, prepared once per connection (order intake reads its buyers here).
  const rows =
    wellFormed.length === 0
      ? []
      : await db
          .selectFrom('accounts')
          .modifyFront(prepared)
          .select(ACCOUNT_COLUMNS)
          .select(sql<boolean>`exists (select 1 from api_sandbox_accounts s where s.sandbox_account_id = accounts.id)`.as('sandbox'))
          .where('id', '=', sql<string>`any(${wellFormed}::uuid[])`)
          .execute();
  return new Map(rows.map((row) => [row.id, { ...toAccount(row), sandbox: row.sandbox }]));
}

export async function getAccount(db: Kysely<DB>, id: string): Promise<Account> {
  const account = await findAccount(db, id);
  if (!account) throw new DomainError('account_not_found', `no account ${id}`, { accountId: id });
  return account;
}

/** A Telegram user id (a positive integer of at most 52 bits, so at most 16 digits); anything else is refused. */
export function parseTelegramId(value: string | bigint): bigint {
  const text = value.toString();
  if (!/^[1-9]\d{0,15}$/.test(text)) throw new DomainError('invalid_telegram_id', 'a Telegram user id is a positive whole number', { telegramUserId: text });
  return BigInt(text);
}

export async function findAccountByTelegramId(db: Kysely<DB>, telegramUserId: string | bigint): Promise<Account | undefined> {
  const row = await db.selectFrom('accounts').selectAll().where('telegram_user_id', '=', parseTelegramId(telegramUserId)).executeTakeFirst();
  return row && toAccount(row);
}

/** The roles a parent of `role` may have (null = the platform itself). */
const ALLOWED_PARENTS: Record<AccountRole, readonly (AccountRole | null)[]> = {
  admin: [null],
  partner: [null],
  agent: [null, 'partner'],
  sub_agent: ['agent'],
};

/** Checks that `parent` may have a child of `role` (depth and role rules of docs/product.md#roles-and-the-hierarchy). */
export function assertParentAllowed(role: AccountRole, parent: Account | null): void {
  if (parent?.role === 'sub_agent') {
    throw new DomainError('sub_agent_cannot_have_children', 'a sub-agent cannot have children', { parentId: parent.id });
  }
  if (!ALLOWED_PARENTS[role].includes(parent?.role ?? null)) {
    throw new DomainError('invalid_parent', parent ? `a ${parent.role} cannot be the parent of a ${role}` : `a ${role} needs a parent`, {
      role,
      parentId: parent?.id ?? null,
    });
  }
}

/**
 * Refuses a child under a partner's sandbox account (what `sk_test_` keys act as). Agents are real
 * people ordering real cards with real money, so only the partner's live account may hold them:
 * test money never reaches a wallet whose orders go to the real vendor (docs/money.md, Sandbox money).
 */
export async function assertMayHaveChildren(db: Kysely<DB>, parent: Account | null): Promise<void> {
  if (parent === null || parent.role !== 'partner') return;
  const sandbox = await db.selectFrom('api_sandbox_accounts').select('partner_id').where('sandbox_account_id', '=', parent.id).executeTakeFirst();
  if (sandbox) {
    throw new DomainError('sandbox_account_cannot_have_children', 'a sandbox account has no agents: invite and fund agents with a live key', {
      parentId: parent.id,
    });
  }
}

/** What the actor may do: the platform (operator, job), an active admin, or a plain account. */
export type Principal = { kind: 'platform' } | { kind: 'admin'; account: Account } | { kind: 'account'; account: Account };

/** Resolves the actor. A paused account keeps no rights (it cannot act, whatever its role). */
export async function resolvePrincipal(db: Kysely<DB>, actor: Actor): Promise<Principal> {
  if (actor.accountId === null) {
    if (actor.channel === 'cli' || actor.channel === 'system') return { kind: 'platform' };
    throw new DomainError('forbidden', 'an anonymous actor can only be the platform itself (cli or system)');
  }
  const account = await getAccount(db, actor.accountId);
  assertActive(account);
  return account.role === 'admin' ? { kind: 'admin', account } : { kind: 'account', account };
}

export function isPlatformOrAdmin(principal: Principal): boolean {
  return principal.kind !== 'account';
}

export async function requireAdmin(db: Kysely<DB>, actor: Actor): Promise<Principal> {
  const principal = await resolvePrincipal(db, actor);
  if (!isPlatformOrAdmin(principal)) throw new DomainError('forbidden', 'only an admin can do this');
  return principal;
}

/** Refuses when the account itself is paused (it cannot order, allocate or be allocated to). */
export function assertActive(account: Account): void {
  if (account.status === 'paused') throw new DomainError('account_paused', `account ${account.name} is paused`, { accountId: account.id });
}

/**
 * Loads `childId` for an action by `parent`: it must be a direct child (visibility and rights stop
 * one level down). Admins and the platform may act on any account.
 */
export async function getDirectChild(db: Kysely<DB>, principal: Principal, childId: string): Promise<Account> {
  const child = await findAccount(db, childId);
  if (principal.kind !== 'account') {
    if (!child) throw new DomainError('account_not_found', `no account ${childId}`, { accountId: childId });
    return child;
  }
  // An unknown account and someone else's child look the same: no probing of the tree.
  if (!child || child.parentId !== principal.account.id) {
    throw new DomainError('not_direct_child', 'you can only act on your own direct sub-accounts', { accountId: childId });
  }
  return child;
}

/** Whether the actor may see an account's wallet, history and statement: its own, a direct child's, or (admins) anyone's. */
export function assertCanSee(principal: Principal, account: Account): void {
  if (principal.kind !== 'account') return;
  if (principal.account.id === account.id || account.parentId === principal.account.id) return;
  throw new DomainError('not_direct_child', 'you can only see your own account and your direct sub-accounts', { accountId: account.id });
}

/** Accounts the actor may see below itself: direct children only (admins: any account's children). */
export async function listChildren(db: Kysely<DB>, actor: Actor, parentId?: string): Promise<Account[]> {
  const principal = await resolvePrincipal(db, actor);
  let ofParent: string | null;
  if (principal.kind === 'account') {
    if (parentId !== undefined && parentId !== principal.account.id) {
      throw new DomainError('not_direct_child', 'you can only see your own direct sub-accounts', { accountId: parentId });
    }
    ofParent = principal.account.id;
  } else {
    ofParent = parentId ?? null;
  }
  const rows = await db
    .selectFrom('accounts')
    .selectAll()
    .$if(ofParent === null, (query) => query.where('parent_id', 'is', null))
    .$if(ofParent !== null, (query) => query.where('parent_id', '=', ofParent))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toAccount);
}

export interface CreateAccountInput {
  role: AccountRole;
  name: string;
  parentId?: string | null;
  /** Defaults to the parent's currency; required for accounts without a parent. */
  currency?: string;
  telegramUserId?: string | bigint | null;
}

/**
 * Creates an account with its wallet (admins have none). Only the platform or an admin may create
 * accounts directly; agents grow their tree through invites (see invites.ts), which call
 * `insertAccount` after checking the invite.
 */
export async function createAccount(db: Kysely<DB>, actor: Actor, input: CreateAccountInput): Promise<Account> {
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    return insertAccount(trx, actor, input);
  });
}

/** The rights-free core of account creation: validates the hierarchy, inserts, opens the wallet, audits. */
export async function insertAccount(trx: Kysely<DB>, actor: Actor, input: CreateAccountInput): Promise<Account> {
  const name = input.name.trim();
  if (name.length < 1 || name.length > 200) throw new DomainError('invalid_name', 'a name of 1 to 200 characters is required');
  const parent = input.parentId ? await getAccount(trx, input.parentId) : null;
  assertParentAllowed(input.role, parent);
  await assertMayHaveChildren(trx, parent);
  const currency = input.currency ?? parent?.currency;
  if (!currency) throw new DomainError('currency_required', `a ${input.role} without a parent needs a currency`);
  money(0n, currency);
  if (parent && parent.currency !== currency) {
    throw new DomainError('currency_mismatch', `a child account uses its parent's currency (${parent.currency})`, { currency });
  }
  const telegramUserId = input.telegramUserId == null ? null : parseTelegramId(input.telegramUserId);
  if (telegramUserId !== null && (await findAccountByTelegramId(trx, telegramUserId))) {
    throw new DomainError('telegram_id_taken', 'this Telegram user already has an account', { telegramUserId: telegramUserId.toString() });
  }
  const row = await trx
    .insertInto('accounts')
    .values({ role: input.role, name, parent_id: parent?.id ?? null, currency, telegram_user_id: telegramUserId })
    .returningAll()
    .executeTakeFirstOrThrow()
    .catch((error: unknown) => {
      // Two redemptions by the same Telegram user at once: the unique index decides.
      if ((error as { code?: string }).code === '23505') throw new DomainError('telegram_id_taken', 'this Telegram user already has an account');
      throw error;
    });
  const account = toAccount(row);
  if (account.role !== 'admin') await createWallet(trx, account.id, currency);
  await writeAudit(trx, { actor, action: 'account.created', subject: { type: 'account', id: account.id }, after: account });
  return account;
}

/** Binds a Telegram user to an account, once. */
export async function bindTelegram(db: Kysely<DB>, actor: Actor, accountId: string, telegramUserId: string | bigint): Promise<Account> {
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const account = await getAccount(trx, accountId);
    if (account.telegramUserId !== null) {
      throw new DomainError('telegram_already_bound', 'this account is already bound to a Telegram user', { accountId });
    }
    if (await findAccountByTelegramId(trx, telegramUserId)) {
      throw new DomainError('telegram_id_taken', 'this Telegram user already has an account', { telegramUserId: telegramUserId.toString() });
    }
    const row = await trx
      .updateTable('accounts')
      .set({ telegram_user_id: parseTelegramId(telegramUserId), updated_at: new Date() })
      .where('id', '=', accountId)
      .where('telegram_user_id', 'is', null)
      .returningAll()
      .executeTakeFirst()
      .catch((error: unknown) => {
        // Bound to another account a moment ago: the unique index decides.
        if ((error as { code?: string }).code === '23505') throw new DomainError('telegram_id_taken', 'this Telegram user already has an account');
        throw error;
      });
    if (!row) throw new DomainError('telegram_already_bound', 'this account is already bound to a Telegram user', { accountId });
    const updated = toAccount(row);
    await writeAudit(trx, {
      actor,
      action: 'account.telegram_bound',
      subject: { type: 'account', id: accountId },
      before: { telegramUserId: null },
      after: { telegramUserId: updated.telegramUserId },
    });
    return updated;
  });
}

/**
 * Pauses or resumes an account. Admins (and the platform) act on any account; an agent or partner
 * on its direct children only; a sub-agent on nobody.
 */
export async function setAccountStatus(db: Kysely<DB>, actor: Actor, accountId: string, status: AccountStatus): Promise<Account> {
  return withTransaction(db, async (trx) => {
    const principal = await resolvePrincipal(trx, actor);
    const target = await getDirectChild(trx, principal, accountId);
    if (target.status === status) return target;
    const row = await trx.updateTable('accounts').set({ status, updated_at: new Date() }).where('id', '=', target.id).returningAll().executeTakeFirstOrThrow();
    await writeAudit(trx, {
      actor,
      action: status === 'paused' ? 'account.paused' : 'account.resumed',
      subject: { type: 'account', id: target.id },
      before: { status: target.status },
      after: { status },
    });
    return toAccount(row);
  });
}

/** The name of an admin made from a Telegram id alone (configuration, a promotion) until its user writes. */
const placeholderAdminName = (telegramUserId: string | bigint) => `admin ${telegramUserId.toString()}`;

/**
 * Names an admin after its Telegram name when it still has the placeholder (the first update of a
 * configured or promoted admin), so lists show people, not ids. A name set any other way stays.
 */
export async function nameAdminFromTelegram(db: Kysely<DB>, account: Account, telegramName: string): Promise<Account> {
  const name = telegramName.trim().slice(0, 128);
  if (account.role !== 'admin' || account.telegramUserId === null || account.name !== placeholderAdminName(account.telegramUserId)) return account;
  if (!name || unsafeTextReason(name)) return account; // nothing storable: keep the placeholder
  const row = await db
    .updateTable('accounts')
    .set({ name, updated_at: new Date() })
    .where('id', '=', account.id)
    .where('name', '=', account.name)
    .returningAll()
    .executeTakeFirst();
  return row ? toAccount(row) : account;
}

/**
 * Makes the Telegram user an admin: a new admin account, or nothing when it already is one.
 * Only the platform or an admin may promote.
 */
export async function addAdmin(
  db: Kysely<DB>,
  actor: Actor,
  input: { telegramUserId: string | bigint; name?: string; currency: string },
): Promise<{ account: Account; created: boolean }> {
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const existing = await findAccountByTelegramId(trx, input.telegramUserId);
    if (existing) {
      if (existing.role === 'admin') return { account: existing, created: false };
      throw new DomainError('telegram_id_taken', `this Telegram user already has a ${existing.role} account`, { accountId: existing.id });
    }
    const account = await insertAccount(trx, actor, {
      role: 'admin',
      name: input.name ?? placeholderAdminName(input.telegramUserId),
      currency: input.currency,
      telegramUserId: input.telegramUserId,
    });
    return { account, created: true };
  });
}

/**
 * Bootstraps the admins named in configuration (ADMIN_TELEGRAM_IDS) at start: idempotent, safe when
 * several processes start at once. A configured id that belongs to a non-admin account is reported,
 * not changed.
 */
export async function ensureConfiguredAdmins(
  db: Kysely<DB>,
  telegramUserIds: readonly string[],
  currency: string,
): Promise<{ admins: Account[]; conflicts: { telegramUserId: string; accountId: string; role: AccountRole }[] }> {
  const admins: Account[] = [];
  const conflicts: { telegramUserId: string; accountId: string; role: AccountRole }[] = [];
  for (const telegramUserId of telegramUserIds) {
    const result = await addAdmin(db, { accountId: null, channel: 'system' }, { telegramUserId, currency }).catch(async (error: unknown) => {
      // Another process may have created it a moment ago: then it exists now.
      if (!(error instanceof DomainError) || error.code !== 'telegram_id_taken') throw error;
      return { account: await findAccountByTelegramId(db, telegramUserId), created: false };
    });
    if (result.account?.role === 'admin') admins.push(result.account);
    else if (result.account) conflicts.push({ telegramUserId, accountId: result.account.id, role: result.account.role });
  }
  return { admins, conflicts };
}
