// Checks API answers against the served OpenAPI document: the route, status and content type must
// be documented, and a JSON body must match the documented schema (converted with zod's
// fromJSONSchema; OpenAPI 3.1 schemas are JSON Schema 2020-12, component refs become $defs).
import { expect } from 'vitest';
import { z } from 'zod';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

export function createOpenApiChecker(document: OpenApiDocument) {
  const defs = JSON.parse(JSON.stringify(document.components?.schemas ?? {}).replaceAll('#/components/schemas/', '#/$defs/')) as Record<string, unknown>;
  const routes = Object.entries(document.paths).map(([template, operations]) => ({
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    template,
    operations,
  }));
  const cache = new Map<string, z.ZodType>();

  function validatorFor(key: string, schema: unknown): z.ZodType {
    let validator = cache.get(key);
    if (!validator) {
      const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('#/components/schemas/', '#/$defs/')) as Record<string, unknown>;
      validator = z.fromJSONSchema({ ...rewritten, $defs: defs } as Parameters<typeof z.fromJSONSchema>[0]);
      cache.set(key, validator);
    }
    return validator;
  }

  /** Fails the test when the answer is not what the document says; answers for undocumented paths (unknown routes) pass. */
  return async function checkResponse(method: string, url: string, response: Response): Promise<void> {
    const path = new URL(url, 'http://api.test').pathname;
    const route = routes.find((candidate) => candidate.pattern.test(path));
    if (!route) return;
    const operation = route.operations[method.toLowerCase()];
    const where = `${method} ${route.template} ${response.status}`;
    expect(operation, `${method} ${route.template} is documented`).toBeDefined();
    const documented = operation?.responses[String(response.status)];
    expect(documented, `${where} is documented`).toBeDefined();
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    // A documented answer without content (304 Not Modified) has no body and no content type.
    if (contentType === '' && documented !== undefined && documented.content === undefined) return;
    const media = documented?.content?.[contentType];
    expect(media, `${where} documents ${contentType}`).toBeDefined();
    if (!contentType.endsWith('json') || !media?.schema) return;
    const body: unknown = await response.clone().json();
    const result = validatorFor(`${where} ${contentType}`, media.schema).safeParse(body);
    expect(result.success ? [] : result.error.issues, `${where} body matches the document`).toEqual([]);
  };
}
