// Errors the domain raises on purpose. Each has a stable machine code (used in problem+json by the
// API and mapped to a message by the bot) and optional details safe to show to the caller.
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const isDomainError = (error: unknown, code?: string): error is DomainError =>
  error instanceof DomainError && (code === undefined || error.code === code);
