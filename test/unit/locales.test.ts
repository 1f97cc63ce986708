// Every text exists in every language (docs/product.md#the-telegram-bot: adding a language is adding a complete file).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCALES_DIR } from '../../bot/i18n.ts';

const messageIds = (file: string) =>
  new Set([...readFileSync(path.join(LOCALES_DIR, file), 'utf8').matchAll(/^([a-z][a-z0-9-]*) =/gm)].map((match) => match[1] as string));

describe('locale files', () => {
  it('have the same messages in every language', () => {
    const files = readdirSync(LOCALES_DIR).filter((file) => file.endsWith('.ftl'));
    expect(files).toEqual(expect.arrayContaining(['en.ftl', 'ar.ftl']));
    const english = messageIds('en.ftl');
    expect(english.size).toBeGreaterThan(100);
    for (const file of files) expect([...messageIds(file)].sort(), file).toEqual([...english].sort());
  });
});
