// The error registry and the bot's texts agree: every code the bot explains has its message in every
// language, and no error message is left over for a code the bot no longer explains.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorMessageId } from '../../bot/helpers.ts';
import { LOCALES_DIR } from '../../bot/i18n.ts';
import { ERROR_CODES, type ErrorCode } from '../../src/shared/error-codes.ts';

const errorMessages = (file: string) =>
  [...readFileSync(path.join(LOCALES_DIR, file), 'utf8').matchAll(/^(error-[a-z0-9-]+) =/gm)].map((match) => match[1] as string);

describe('error registry', () => {
  const explained = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => ERROR_CODES[code].botExplains);

  it('has a message in every locale for each code the bot explains, and none for the others', () => {
    // Plus the two messages for a failure nobody explains (bot/index.ts): anything, or a dependency briefly away.
    const expected = ['error-generic', 'error-unavailable', ...explained.map(errorMessageId)].sort();
    for (const file of readdirSync(LOCALES_DIR).filter((name) => name.endsWith('.ftl'))) {
      expect(errorMessages(file).sort(), file).toEqual(expected);
    }
  });

  it('names every code in snake case, so its message id is unambiguous', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });
});
