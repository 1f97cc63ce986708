// Callback data of inline buttons, declared once per button: `defineCallback('adm:acct', { accountId:
// field.uuid })` gives the keyboard its data (`build`) and the handler its trigger (`pattern`) and
// typed values (`read`, `parse`), so the format of a button lives in one place. The data is
// `<prefix>[:<field>…]`; old buttons in chats carry these bytes, so a declaration never changes
// the format of a button already sent. Telegram takes at most 64 bytes: `build` refuses more.
import { UUID_PATTERN } from '#src/shared/ids.ts';

/** Telegram's limit on `callback_data`, in bytes. */
export const CALLBACK_DATA_MAX_BYTES = 64;

/** One value in the data: the regular expression it must match, and how it reads and writes. */
export interface Field<T> {
  readonly source: string;
  readonly optional: boolean;
  /** The widest value it can carry (checked against the 64 bytes for every declared button). */
  readonly widest: T;
  read(text: string): T;
  write(value: T): string;
}

const text = (source: string, widest: string): Field<string> => ({ source, optional: false, widest, read: (value) => value, write: (value) => value });

export const field = {
  uuid: text(UUID_PATTERN, 'ffffffff-ffff-4fff-bfff-ffffffffffff'),
  /** A month label, `2026-01`. */
  month: text('\\d{4}-\\d{2}', '2026-12'),
  /** A small whole number (a page, a position, an index) of at most `maxDigits` digits. */
  int: (maxDigits: number): Field<number> => ({ source: `\\d{1,${maxDigits}}`, optional: false, widest: 10 ** maxDigits - 1, read: Number, write: String }),
  /** Digits kept as text: ids, cursors and minor units that may not fit a JavaScript number. */
  digits: (maxDigits: number): Field<string> => text(`\\d{1,${maxDigits}}`, '9'.repeat(maxDigits)),
  /** Text matching `source` (a regular expression without anchors or groups), at most as wide as `widest`. */
  matching: (source: string, widest: string): Field<string> => text(source, widest),
  /** One of a few words (an action, a role). */
  oneOf: <const T extends string>(...words: T[]): Field<T> => ({
    source: words.map(escapeRegExp).join('|'),
    optional: false,
    widest: words.reduce((wide, word) => (word.length > wide.length ? word : wide)),
    read: (value) => value as T,
    write: (value) => value,
  }),
  /** A trailing value that may be left out (`o:list` and `o:list:<cursor>`). */
  optional: <T>(inner: Field<T>): Field<T | undefined> => ({
    source: inner.source,
    optional: true,
    widest: inner.widest,
    read: (value) => inner.read(value),
    write: (value) => (value === undefined ? '' : inner.write(value)),
  }),
};

type Fields = Record<string, Field<any>>;
type ValueOf<F> = F extends Field<infer T> ? T : never;
type RequiredKeys<F extends Fields> = { [K in keyof F]: undefined extends ValueOf<F[K]> ? never : K }[keyof F];
type OptionalKeys<F extends Fields> = Exclude<keyof F, RequiredKeys<F>>;
/** The values a button carries, by field name (optional fields may be left out). */
export type CallbackValues<F extends Fields> = { [K in RequiredKeys<F>]: ValueOf<F[K]> } & { [K in OptionalKeys<F>]?: ValueOf<F[K]> };

export interface Callback<F extends Fields> {
  readonly prefix: string;
  /** Matches this button's data and nothing else; for `callbackQuery` and `waitForCallbackQuery`. */
  readonly pattern: RegExp;
  /** The data of this button at its widest (every field at its widest value). */
  readonly widest: string;
  /** The data of a button carrying `values`. */
  build(...values: keyof F extends never ? [] : [RequiredKeys<F>] extends [never] ? [CallbackValues<F>?] : [CallbackValues<F>]): string;
  /** The values in `data`, or undefined when `data` is not this button's. */
  parse(data: string): CallbackValues<F> | undefined;
  /** The values of a match of `pattern` (the handler's `ctx.match`). */
  read(match: RegExpMatchArray | string): CallbackValues<F>;
  /** Like `pattern`, with some fields fixed (a confirmation that belongs to one flow's key). */
  matching(fixed: Partial<CallbackValues<F>>): RegExp;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function defineCallback<const F extends Fields = Record<never, never>>(prefix: string, fields: F = {} as F): Callback<F> {
  const names = Object.keys(fields);
  names.forEach((name, index) => {
    if (fields[name]!.optional && index !== names.length - 1) throw new Error(`callback ${prefix}: only the last field may be optional`);
  });
  const compile = (fixed: Record<string, unknown>) => {
    const parts = names.map((name) => {
      const spec = fields[name]!;
      const source = name in fixed ? escapeRegExp(spec.write(fixed[name])) : spec.source;
      return spec.optional ? `(?::(${source}))?` : `:(${source})`;
    });
    return new RegExp(`^${escapeRegExp(prefix)}${parts.join('')}$`);
  };
  const pattern = compile({});
  const read = (match: RegExpMatchArray | string) => {
    const groups = typeof match === 'string' ? pattern.exec(match) : match;
    if (!groups) throw new Error(`callback ${prefix}: data does not match`);
    const values: Record<string, unknown> = {};
    names.forEach((name, index) => {
      const captured = groups[index + 1];
      if (captured !== undefined) values[name] = fields[name]!.read(captured);
    });
    return values as CallbackValues<F>;
  };
  return {
    prefix,
    pattern,
    widest: [prefix, ...names.map((name) => fields[name]!.write(fields[name]!.widest))].join(':'),
    build: (...args) => {
      const values = (args[0] ?? {}) as Record<string, unknown>;
      const written = names.map((name) => fields[name]!.write(values[name])).filter((part, index) => part !== '' || !fields[names[index]!]!.optional);
      const data = [prefix, ...written].join(':');
      if (!pattern.test(data)) throw new Error(`callback ${prefix}: ${JSON.stringify(values)} does not fit its fields`);
      if (Buffer.byteLength(data) > CALLBACK_DATA_MAX_BYTES) throw new Error(`callback ${prefix}: ${data} is over ${CALLBACK_DATA_MAX_BYTES} bytes`);
      return data;
    },
    parse: (data) => (pattern.test(data) ? read(data) : undefined),
    read,
    matching: (fixed) => compile(fixed as Record<string, unknown>),
  };
}

/** A pattern matching any of `callbacks` (a step that waits for one of a few buttons). */
export const anyOf = (...callbacks: Callback<any>[]): RegExp => new RegExp(callbacks.map((callback) => `(?:${callback.pattern.source})`).join('|'));
