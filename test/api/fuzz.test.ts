// Every /v1 operation of the served OpenAPI document, fuzzed from its own schemas (fast-check):
// hostile strings, huge and negative numbers, wrong types, missing and extra fields, broken JSON.
// Whatever arrives, the answer is below 500 (a refusal is problem+json) and the server logs no
// error-level line. The seed is fixed (FUZZ_SEED overrides it, FUZZ_RUNS the runs per operation),
// so a failure replays; fast-check prints the smallest failing request.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiHarness } from '../support/api.ts';
import { errorCapturingLogger } from '../support/logs.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 1414);
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

// Budgets that would otherwise turn most of the fuzzing into 429s.
const harness = await createApiHarness({
  env: {
    API_RATE_LIMIT_PER_MINUTE: '100000',
    API_WRITE_RATE_LIMIT_PER_MINUTE: '100000',
    SIGNUP_RATE_LIMIT_PER_HOUR: '10000',
    SIGNUP_ATTEMPTS_PER_HOUR: '100000',
    API_BODY_LIMIT_BYTES: '65536',
  },
});
const { ctx, api } = harness;
const partner = await harness.makePartner();
// The admin routes act on this one (so a fuzzed pause does not stop the partner routes' fuzzing).
const target = await harness.makePartner();
const KNOWN_IDS = [target.account.id, target.sandboxId];
const { logger, errors } = errorCapturingLogger();
ctx.logger = logger;

interface Schema {
  type?: string | string[];
  $ref?: string;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  example?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}
interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const document = (await (await api.request('/openapi.json')).json()) as Document;

/** Text no store should keep and no parser should trip on. */
const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00',
  '\ud83d\ude00',
  '\u202e\u0301',
  'x'.repeat(5000),
  '9'.repeat(40),
  '-1',
  '0',
  '1e308',
  '-9223372036854775809',
  '9223372036854775808',
  '99999999999999999999999.00',
  '1.000000000000000000001',
  'NaN',
  'null',
  "'; drop table accounts; --",
  '../../etc/passwd',
  '%00',
  'https://169.254.169.254/latest',
  'http://localhost/\u0000',
  '00000000-0000-0000-0000-000000000000',
  '2026-13-45T25:61:61Z',
  '<script>alert(1)</script>',
];
const HOSTILE_NUMBERS = [0, -1, 1.5, -0.000001, 2 ** 31, 2 ** 53 + 1, 2 ** 63, -(2 ** 63), 1e308, -1e308];
const WRONG_TYPES: unknown[] = [null, true, [], {}, [1, 'a'], { nested: { deep: '\u0000' } }, 'text', 12345];
const UNSTORABLE = ['\u0000', '\ud800', '\udfff'];

const hostileString = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ unit: 'binary', maxLength: 40 }), fc.stringMatching(/^\d{1,25}$/));

function resolve(schema: Schema): Schema {
  const name = schema.$ref?.split('/').pop();
  return name ? (document.components.schemas[name] ?? {}) : schema;
}

/** A value the schema accepts, as far as its JSON Schema says (zod refinements are not in it). */
function validString(schema: Schema): fc.Arbitrary<string> {
  if (schema.format === 'uuid') return fc.oneof(fc.uuid(), fc.constantFrom(...KNOWN_IDS));
  if (schema.format === 'email') return fc.emailAddress();
  if (schema.format === 'date-time')
    return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((date) => date.toISOString());
  if (schema.format === 'uri') return fc.webUrl({ validSchemes: ['https'] });
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 60, 60) });
}

function validValue(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  const choices: { weight: number; arbitrary: fc.Arbitrary<unknown> }[] = [];
  const add = (arbitrary: fc.Arbitrary<unknown>, weight = 1) => choices.push({ weight, arbitrary });
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.example !== undefined) add(fc.constant(schema.example), 2);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type ?? 'string'];
  for (const type of types) {
    if (type === 'string') add(validString(schema));
    if (type === 'integer') add(fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 }));
    if (type === 'number') add(fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000, noNaN: true }));
    if (type === 'boolean') add(fc.boolean());
    if (type === 'null') add(fc.constant(null));
    if (type === 'array') add(fc.array(arbitraryFor(schema.items ?? {}, depth + 1), { minLength: 1, maxLength: 3 }));
    if (type === 'object') add(objectOf(schema, depth));
  }
  return choices.length > 0 ? fc.oneof(...choices) : hostileString;
}

/** An object whose fields are mostly valid; a required one is sometimes missing, an unknown one sometimes added. */
function objectOf(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  const required = new Set(schema.required ?? []);
  const shape = Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([key, property]) => [
      key,
      fc.option(arbitraryFor(property, depth + 1), { nil: undefined, freq: required.has(key) ? 40 : 2 }),
    ]),
  );
  const extra = fc.option(fc.tuple(hostileString, hostileString), { nil: undefined, freq: 6 });
  return fc.tuple(fc.record(shape), extra).map(([value, added]) => (added ? { ...value, [added[0]]: added[1] } : value));
}

/**
 * Values for one schema: mostly valid (so the request gets past the other fields to the database),
 * sometimes valid text with an unstorable character inside, hostile text or numbers, or another type.
 */
function arbitraryFor(input: Schema, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(input);
  const variants = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  const wrong = fc.constantFrom(...WRONG_TYPES);
  if (depth > 4) return wrong;
  const valid = variants ? fc.oneof(...variants.map((variant) => validValue(resolve(variant), depth))) : validValue(schema, depth);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const numeric = types.includes('integer') || types.includes('number');
  const injected = fc
    .tuple(valid, fc.constantFrom(...UNSTORABLE), fc.nat())
    .map(([value, char, at]) => (typeof value === 'string' ? value.slice(0, at % (value.length + 1)) + char + value.slice(at % (value.length + 1)) : value));
  // Rare enough per field that many requests are valid but for one field, and reach the database.
  return fc.oneof(
    { weight: 40, arbitrary: valid },
    { weight: 3, arbitrary: injected },
    { weight: 3, arbitrary: numeric ? fc.constantFrom(...HOSTILE_NUMBERS) : hostileString },
    { weight: 1, arbitrary: wrong },
  );
}

/** Percent-encoding that also carries lone surrogates (as the bytes a careless client would send). */
function encodeHostile(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...value].map((char) => (/[\ud800-\udfff]/.test(char) ? '%ED%A0%80' : encodeURIComponent(char))).join('');
  }
}

const asText = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
/** A header value `fetch` accepts (Latin-1 without controls), or none. */
const asHeader = (value: unknown) => {
  const text = asText(value);
  return /^[\u0020-\u007e\u0080-\u00ff]*$/.test(text) ? text : undefined;
};

function requestArbitrary(template: string, operation: Operation) {
  const parameters = operation.parameters ?? [];
  const byPlace = (place: Parameter['in']) =>
    fc.record(Object.fromEntries(parameters.filter((p) => p.in === place).map((p) => [p.name, arbitraryFor(p.schema ?? {})])), { requiredKeys: [] });
  const jsonSchema = operation.requestBody?.content['application/json']?.schema;
  const body = jsonSchema
    ? fc.oneof(
        { weight: 8, arbitrary: arbitraryFor(jsonSchema).map((value) => JSON.stringify(value) ?? 'null') },
        { weight: 1, arbitrary: fc.constantFrom('{"unterminated": ', 'not json', '') },
      )
    : fc.constant(undefined);
  return fc
    .record({
      path: fc.record(Object.fromEntries(parameters.filter((p) => p.in === 'path').map((p) => [p.name, arbitraryFor(p.schema ?? {})]))),
      query: byPlace('query'),
      headers: byPlace('header'),
      body,
    })
    .map((parts) => {
      const path = template.replace(/\{([^}]+)\}/g, (_match, name: string) => encodeHostile(asText(parts.path[name])));
      const query = Object.entries(parts.query)
        .map(([name, value]) => `${encodeURIComponent(name)}=${encodeHostile(asText(value))}`)
        .join('&');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(parts.headers)) {
        const text = asHeader(value);
        if (text !== undefined) headers[name] = text;
      }
      return { url: query ? `${path}?${query}` : path, headers, body: parts.body };
    });
}

const operations = Object.entries(document.paths)
  .filter(([template]) => template.startsWith('/v1/'))
  .flatMap(([template, methods]) => Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), template, operation })));

afterEach(() => {
  const logged = errors.splice(0);
  expect(logged, 'no error-level log lines').toEqual([]);
});

describe('every /v1 operation under hostile input', () => {
  it('covers the whole document', () => {
    expect(operations.length).toBeGreaterThan(40);
  });

  it.each(operations.map((entry) => [`${entry.method} ${entry.template}`, entry] as const))(
    '%s answers 4xx problem+json, never 5xx',
    async (_name, { method, template, operation }) => {
      // An operation without parameters or body has nothing to fuzz but the key: a couple of runs.
      const runs = operation.parameters?.length || operation.requestBody ? RUNS : 2;
      const key = template === '/v1/signup' ? undefined : template.startsWith('/v1/admin/') ? harness.adminKey : partner.liveKey;
      let sequence = 0;
      await fc.assert(
        fc.asyncProperty(requestArbitrary(template, operation), async (request) => {
          sequence += 1;
          const response = await api.request(
            request.url,
            {
              method,
              headers: {
                ...(key ? { authorization: `Bearer ${key}` } : {}),
                ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
                ...request.headers,
              },
              ...(request.body === undefined ? {} : { body: request.body }),
            },
            // A fresh documentation-range address per request: per-address budgets stay out of the way.
            { incoming: { socket: { remoteAddress: `198.18.${sequence % 250}.${(sequence >> 8) % 250}` } } },
          );
          const answer = `${method} ${request.url} → ${response.status}`;
          expect(response.status, answer).toBeLessThan(500);
          if (response.status >= 400) expect(response.headers.get('content-type'), answer).toBe('application/problem+json');
          await response.arrayBuffer();
          expect(errors, `${answer} logged an error`).toEqual([]);
        }),
        { seed: SEED, numRuns: runs, endOnFailure: true },
      );
    },
  );
});
