// Configuration: read from the environment (and `.env` if present) once, validated with zod.
// A bad value stops the process with one message naming the variable (see ConfigError).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { encryptsWithDevelopmentKey } from './domain/orders/card-crypto.ts';

export const ROLES = ['api', 'worker', 'bot'] as const;
export type Role = (typeof ROLES)[number];

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalUrl = (protocols: RegExp) =>
  z.preprocess(emptyToUndefined, z.url({ protocol: protocols, error: `must be a URL (${protocols.source})` }).optional());

const rolesSchema = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((role) => role.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(ROLES, { error: `each role must be one of ${ROLES.join(', ')}` })).min(1, 'name at least one role'))
  .transform((roles) => [...new Set(roles)]);

const telegramIdsSchema = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^\d{1,20}$/, 'must be a comma-separated list of numeric Telegram user ids')));

const trustedProxiesSchema = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], { error: 'must be a comma-separated list of IP addresses or CIDR blocks' })));

/** A risk limit amount (a decimal) or `none`, read as null. */
const riskAmount = (fallback: string) =>
  z
    .string()
    .regex(/^(none|\d+(\.\d+)?)$/, 'must be a decimal amount such as 500.00, or none')
    .default(fallback)
    .transform((value) => (value === 'none' ? null : value));
/** A risk limit count or `none`, read as null. */
const riskCount = (fallback: string) =>
  z
    .string()
    .regex(/^(none|\d{1,9})$/, 'must be a whole number such as 50, or none')
    .default(fallback)
    .transform((value) => (value === 'none' ? null : Number(value)));

/** Every variable the system reads. `.env.example` lists the same names with these defaults. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  APP_ROLES: rolesSchema.default(['api', 'worker', 'bot']),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: optionalUrl(/^https?$/),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),

  DATABASE_URL: optionalUrl(/^postgres(ql)?$/),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** How long a starting process waits for PostgreSQL to accept connections (a restart, a recovery) before it gives up. */
  DATABASE_STARTUP_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(3_600).default(60),
  EMBEDDED_PG_DIR: z.string().min(1).default('.data/postgres'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(0).max(65535).default(0),

  REDIS_URL: optionalUrl(/^rediss?$/),
  REDIS_KEY_PREFIX: z.string().default('steller:'),

  TELEGRAM_BOT_TOKEN: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'must look like 123456:ABC… (from @BotFather)')
      .optional(),
  ),
  BOT_API_ROOT: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .refine((value) => !value.endsWith('/'), 'must not end with a slash')
    .default('https://api.telegram.org'),
  ADMIN_TELEGRAM_IDS: telegramIdsSchema.default([]),
  /** The bot's @username (without @): the API builds partners' agent invite links with it (`POST /v1/agent-invites`). */
  TELEGRAM_BOT_USERNAME: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{4,31}$/, 'must be a Telegram bot username (5-32 letters, digits and _, without @)')
      .optional(),
  ),
  BOT_MODE: z.enum(['polling', 'webhook'], { error: 'must be polling or webhook' }).default('polling'),
  BOT_WEBHOOK_SECRET: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,256}$/, 'must be 16-256 characters of A-Z, a-z, 0-9, _ and -')
      .optional(),
  ),

  VENDOR: z.enum(['simulator', 'bamboo']).default('simulator'),
  BAMBOO_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('https://api.bamboocardportal.com'),
  BAMBOO_CLIENT_ID: optionalString,
  BAMBOO_CLIENT_SECRET: optionalString,
  /** The Bamboo account Place Order debits (sandbox and live accounts differ). */
  BAMBOO_ACCOUNT_ID: z.preprocess(emptyToUndefined, z.coerce.number().int().positive().optional()),
  /** Longest one Bamboo call waits for the shared rate limiter before failing as rate limited. */
  BAMBOO_MAX_WAIT_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),

  /** A wallet below this (a decimal in the wallet's own currency) after money leaves it: its owner is told. */
  LOW_BALANCE_THRESHOLD: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a decimal amount such as 20 or 20.00')
    .default('20'),
  /** Alert admins when an active Bamboo account's balance is below this amount (in that account's currency). */
  VENDOR_LOW_BALANCE_THRESHOLD: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a decimal amount such as 500 or 500.00')
    .default('500'),
  /** Outgoing email (docs/email.md): `smtp://user:pass@host:587` or `smtps://…`; empty, every message is logged instead of sent. */
  SMTP_URL: optionalUrl(/^smtps?$/),
  /** The From of every email. */
  EMAIL_FROM: z.string().min(3).max(200).default('Steller <no-reply@steller.example>'),
  /** Alert admins when the vendor float covers fewer hours than this of the last 24 h's sales (src/domain/vendor/float.ts). */
  VENDOR_FLOAT_ALERT_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 30)
    .default(12),
  /** The vendor breaker opens after this many failed vendor calls (5xx, timeouts) within VENDOR_BREAKER_WINDOW_SECONDS (src/domain/vendor/breaker.ts). */
  VENDOR_BREAKER_FAILURES: z.coerce.number().int().min(1).max(10_000).default(8),
  VENDOR_BREAKER_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** How long placements pause once the breaker opens, before one probe is let through. */
  VENDOR_BREAKER_COOLDOWN_SECONDS: z.coerce.number().int().min(1).max(3600).default(20),
  /** Server secret of the API key HMAC (see docs/decisions/0004-api-keys-and-sandbox.md); required in production. */
  API_KEY_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
  /** How long a rotated API key keeps working. */
  API_KEY_ROTATION_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(86_400),
  /** Reads (GET) per minute per API key (shared through Redis when REDIS_URL is set). */
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
  /** Writes (POST, PUT, PATCH, DELETE) per minute per API key, counted apart from reads. */
  API_WRITE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  /** Largest request body the API reads (bytes); a larger one is 413 before it is parsed. */
  API_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(1024 * 1024),
  /** Requests with a missing or wrong API key one client address may make per minute before 429. */
  API_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(20),
  /** Proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For names the client; empty: the peer is the client. */
  TRUST_PROXY: trustedProxiesSchema.default([]),
  /** Decimal amount in SETTLEMENT_CURRENCY added to the vendor cost by the profit guard. */
  ORDER_FEE: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal amount such as 0.05')
    .default('0'),
  // Risk limits of new agents and sub-agents (docs/orders.md, Risk limits): written as their role's
  // defaults at start when the role has none yet (admins change them afterwards). `none`: no limit.
  /** An agent's daily spend limit (a decimal in SETTLEMENT_CURRENCY, or none). */
  RISK_AGENT_DAILY_SPEND: riskAmount('2000.00'),
  /** An agent's daily order count limit (or none). */
  RISK_AGENT_DAILY_ORDERS: riskCount('100'),
  /** An agent's largest single order (a decimal in SETTLEMENT_CURRENCY, or none). */
  RISK_AGENT_MAX_ORDER: riskAmount('500.00'),
  RISK_SUB_AGENT_DAILY_SPEND: riskAmount('500.00'),
  RISK_SUB_AGENT_DAILY_ORDERS: riskCount('50'),
  RISK_SUB_AGENT_MAX_ORDER: riskAmount('200.00'),
  /** Most entries the Telegram card list may hold. */
  CARD_LIST_MAX_ENTRIES: z.coerce.number().int().min(1).max(100).default(10),
  /** Most cards in one bot order (the API allows up to 500). */
  BOT_MAX_QUANTITY: z.coerce.number().int().min(1).max(500).default(10),
  /** A revealed card code (code + PIN message in the bot) is deleted after this many seconds. */
  REVEAL_DELETE_AFTER_SECONDS: z.coerce
    .number()
    .int()
    .min(5)
    .max(48 * 3600)
    .default(60),
  /** How long a card's one-time claim link (shared with a customer) stays valid, in hours. */
  CLAIM_LINK_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 24)
    .default(72),
  /** How long an order may wait for the vendor before reconciliation takes over. */
  ORDER_DEADLINE_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(7 * 24 * 3600)
    .default(15 * 60),
  /**
   * Bounds of the first poll of a placed order, which waits for Bamboo's completion callback: it is
   * timed from the recent callbacks' latency (docs/orders.md, Poll), never earlier than MIN nor later
   * than MAX seconds. The tests set both to 0 (poll at once) unless they test this timing.
   */
  ORDER_FIRST_POLL_MIN_SECONDS: z.coerce.number().int().min(0).max(300).default(2),
  ORDER_FIRST_POLL_MAX_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  /** Card code/PIN encryption keys: comma-separated `id:base64 of 32 bytes`; the first encrypts, all decrypt. */
  CARD_ENCRYPTION_KEYS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]{43,44}(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]{43,44})*$/, 'must be id:base64key[,id:base64key…] (32-byte keys)')
      .optional(),
  ),
  /** The secret Bamboo sends with order-completion callbacks (set it with notification set). */
  BAMBOO_CALLBACK_SECRET: optionalString,
  /** Re-engagement: an account with no activity for this many days is reminded once (docs/growth.md). */
  REENGAGEMENT_INACTIVE_DAYS: z.coerce.number().int().min(1).max(3650).default(30),

  /** Days partner API request logs are kept (GET /v1/request-logs); a daily job deletes older ones. */
  REQUEST_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Most request logs one process keeps in memory while Redis is absent or down; more are dropped and counted. */
  REQUEST_LOG_BUFFER_SIZE: z.coerce.number().int().min(100).max(1_000_000).default(10_000),

  SETTLEMENT_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
    .default('USD'),
  DEMO_SEED: z.enum(['auto', 'always', 'never'], { error: 'must be auto, always or never' }).default('auto'),

  // Partner self-service signup (docs/signup.md).
  /** Signups one client address may make per hour (POST /v1/signup); attempts with invalid input do not count. */
  SIGNUP_RATE_LIMIT_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(5),
  /** Signup attempts (valid or not) one client address may make per hour: the ceiling above the signups. */
  SIGNUP_ATTEMPTS_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(50),
  /** Sandbox funds a new partner's test wallet gets at signup (a decimal in SETTLEMENT_CURRENCY). */
  SIGNUP_SANDBOX_FUNDS: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a decimal amount such as 1000.00')
    .default('1000.00'),
  /** Completed live orders after which a self-signed-up partner's onboarding stage is `active`. */
  ONBOARDING_ACTIVE_LIVE_ORDERS: z.coerce.number().int().min(1).max(1000).default(3),

  /** Development only: partner webhooks may use http and internal targets (localhost, private networks). */
  WEBHOOK_ALLOW_PRIVATE_URLS: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true'),
});

export type Env = z.input<typeof envSchema>;
export type Config = Readonly<z.output<typeof envSchema>> & {
  /** Absolute project root: relative paths in the config resolve against it. */
  readonly rootDir: string;
};

/** Names of variables whose values must never be printed. The logger redacts them too. */
export const SECRET_VARIABLES = [
  'DATABASE_URL',
  'REDIS_URL',
  'TELEGRAM_BOT_TOKEN',
  'BOT_WEBHOOK_SECRET',
  'BAMBOO_CLIENT_SECRET',
  'API_KEY_SECRET',
  'CARD_ENCRYPTION_KEYS',
  'BAMBOO_CALLBACK_SECRET',
  'SMTP_URL',
] as const;

export class ConfigError extends Error {
  readonly issues: { variable: string; problem: string }[];
  constructor(issues: { variable: string; problem: string }[]) {
    super(`Invalid configuration: ${issues.map((issue) => `${issue.variable} ${issue.problem}`).join('; ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

/** Validates an environment-like object. Pure: tests call it with plain objects. */
export function createConfig(env: Record<string, string | undefined>, rootDir = PROJECT_ROOT): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(environment)'),
        // The message never includes the value, so a bad secret is not echoed.
        problem: issue.code === 'invalid_type' && env[String(issue.path[0])] === undefined ? 'is required' : issue.message,
      })),
    );
  }
  const config = parsed.data;
  if (config.VENDOR === 'bamboo') {
    const missing = (['BAMBOO_CLIENT_ID', 'BAMBOO_CLIENT_SECRET', 'BAMBOO_ACCOUNT_ID'] as const).filter((name) => config[name] === undefined);
    if (missing.length > 0) throw new ConfigError(missing.map((variable) => ({ variable, problem: 'is required when VENDOR=bamboo' })));
  }
  if (config.NODE_ENV === 'production' && !config.CARD_ENCRYPTION_KEYS) {
    throw new ConfigError([{ variable: 'CARD_ENCRYPTION_KEYS', problem: 'is required when NODE_ENV=production' }]);
  }
  // Real cards are never encrypted with the published development key, whatever NODE_ENV says.
  if (config.VENDOR === 'bamboo' && encryptsWithDevelopmentKey(config.CARD_ENCRYPTION_KEYS)) {
    throw new ConfigError([{ variable: 'CARD_ENCRYPTION_KEYS', problem: 'must hold a key of its own (not the development key) when VENDOR=bamboo' }]);
  }
  if (config.BOT_MODE === 'webhook' && config.TELEGRAM_BOT_TOKEN) {
    const missing = (['PUBLIC_URL', 'BOT_WEBHOOK_SECRET'] as const).filter((name) => !config[name]);
    if (missing.length > 0) throw new ConfigError(missing.map((variable) => ({ variable, problem: 'is required when BOT_MODE=webhook' })));
  }
  // Production webhooks must never be able to reach inside our own network.
  if (config.NODE_ENV === 'production' && config.WEBHOOK_ALLOW_PRIVATE_URLS) {
    throw new ConfigError([{ variable: 'WEBHOOK_ALLOW_PRIVATE_URLS', problem: 'must not be true when NODE_ENV=production' }]);
  }
  if (config.NODE_ENV === 'production' && config.APP_ROLES.includes('api') && !config.API_KEY_SECRET) {
    throw new ConfigError([{ variable: 'API_KEY_SECRET', problem: 'is required in production when the api role runs' }]);
  }
  return Object.freeze({ ...config, rootDir });
}

/** Reads `.env` (if present, without overriding the real environment) and validates once. */
export function loadConfig(rootDir = PROJECT_ROOT): Config {
  const envFile = path.join(rootDir, '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return createConfig(process.env, rootDir);
}

export function resolvePath(config: Config, relativeOrAbsolute: string): string {
  return path.resolve(config.rootDir, relativeOrAbsolute);
}
