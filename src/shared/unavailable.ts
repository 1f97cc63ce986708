// Errors that say a dependency (PostgreSQL, Redis) cannot be reached right now, not that the request
// or our code is wrong: the API answers them with 503 and Retry-After (api/errors.ts), and the work
// is worth retrying as it is.

/** Socket errors, and PostgreSQL's "cannot serve you now" SQLSTATEs (admin shutdown, crash, starting up, too many connections, connection failures). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/** What node-postgres and ioredis say when a connection is gone or cannot be made. */
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Connection is closed.',
  "Stream isn't writeable",
  'Command timed out',
];

export function isDependencyUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  if (UNAVAILABLE_MESSAGES.some((message) => error.message.includes(message))) return true;
  // Connecting to a host name tries each address; all refused comes as an AggregateError.
  if (error instanceof AggregateError) return error.errors.some(isDependencyUnavailable);
  return error.cause !== undefined && isDependencyUnavailable(error.cause);
}
