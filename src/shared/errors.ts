// Errors the domain raises on purpose. Each has a stable machine code from the registry in
// error-codes.ts (its HTTP status, whether the bot explains it) and optional details safe to show
// to the caller.
import type { ErrorCode } from './error-codes.ts';

export class DomainError extends Error {
  override name = 'DomainError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

export const isDomainError = (error: unknown, code?: ErrorCode): error is DomainError =>
  error instanceof DomainError && (code === undefined || error.code === code);
