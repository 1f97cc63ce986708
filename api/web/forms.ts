// Reading forms: the body's fields as strings (files and repeated fields are not used by our forms).
import type { Context } from 'hono';

export async function formOf(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) if (typeof value === 'string') fields[name] = value;
  return fields;
}
