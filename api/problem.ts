// RFC 9457 problem+json: every error leaves the API in this shape, with a stable machine code.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
}

export function problem(c: Context, status: ContentfulStatusCode, code: string, title: string, extra: Partial<Problem> = {}) {
  const body: Problem = {
    type: `https://docs.steller.example/problems/${code}`,
    title,
    status,
    code,
    requestId: c.get('requestId'),
    ...extra,
  };
  return c.body(JSON.stringify(body), status, { 'content-type': 'application/problem+json' });
}
