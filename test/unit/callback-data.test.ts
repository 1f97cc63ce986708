// Callback data: one declaration per button builds the data and parses it back, and every button
// the bot declares fits Telegram's 64 bytes and is claimed by exactly one declaration.
import { describe, expect, it } from 'vitest';
import { CALLBACK_DATA_MAX_BYTES, defineCallback, field, type Callback } from '../../bot/callback-data.ts';
import { adminCallbacks } from '../../bot/features/admin.callbacks.ts';
import { basicsCallbacks } from '../../bot/features/basics.callbacks.ts';
import { cardListCallbacks } from '../../bot/features/card-list.callbacks.ts';
import { marginCallbacks } from '../../bot/features/margins.callbacks.ts';
import { networkCallbacks } from '../../bot/features/network.callbacks.ts';
import { opsCallbacks } from '../../bot/features/ops.callbacks.ts';
import { orderCallbacks } from '../../bot/features/orders.callbacks.ts';
import { pricePlanCallbacks } from '../../bot/features/price-plans.callbacks.ts';
import { signupCallbacks } from '../../bot/features/signups.callbacks.ts';
import { topupCallbacks } from '../../bot/features/topup.callbacks.ts';
import { walletCallbacks } from '../../bot/features/wallet.callbacks.ts';

const ORDER_ID = '0b6f1f6e-3c1a-4d2b-9e8f-7a6b5c4d3e2f';

const FEATURES = {
  basicsCallbacks,
  walletCallbacks,
  orderCallbacks,
  topupCallbacks,
  networkCallbacks,
  adminCallbacks,
  opsCallbacks,
  pricePlanCallbacks,
  signupCallbacks,
  cardListCallbacks,
  marginCallbacks,
};
const ALL: [string, Callback<any>][] = Object.entries(FEATURES).flatMap(([feature, callbacks]) =>
  Object.entries(callbacks).map(([name, callback]): [string, Callback<any>] => [`${feature}.${name}`, callback]),
);

describe('defineCallback', () => {
  const reveal = defineCallback('o:rv', { orderId: field.uuid, index: field.int(3) });

  it('builds the data byte for byte as the buttons in chats carry it, and reads it back typed', () => {
    expect(reveal.build({ orderId: ORDER_ID, index: 2 })).toBe(`o:rv:${ORDER_ID}:2`);
    expect(reveal.parse(`o:rv:${ORDER_ID}:2`)).toEqual({ orderId: ORDER_ID, index: 2 });
    expect(reveal.read(`o:rv:${ORDER_ID}:2`.match(reveal.pattern)!)).toEqual({ orderId: ORDER_ID, index: 2 });
  });

  it('matches nothing else: other prefixes, malformed or too long fields, extra parts', () => {
    for (const data of [
      `o:rv:${ORDER_ID}`,
      `o:rv:${ORDER_ID}:1234`,
      `o:rv:not-a-uuid:1`,
      `o:rv:${ORDER_ID}:1:x`,
      `xo:rv:${ORDER_ID}:1`,
      `o:view:${ORDER_ID}`,
    ]) {
      expect(reveal.parse(data), data).toBeUndefined();
    }
  });

  it('refuses to build data its own pattern would not match', () => {
    expect(() => reveal.build({ orderId: 'nope', index: 1 })).toThrow(/does not fit/);
    expect(() => reveal.build({ orderId: ORDER_ID, index: 1000 })).toThrow(/does not fit/);
    expect(() => reveal.build({ orderId: undefined as unknown as string, index: 1 })).toThrow(/does not fit/);
  });

  it('refuses data over 64 bytes', () => {
    const wide = defineCallback('x', { a: field.uuid, b: field.uuid });
    expect(() => wide.build({ a: ORDER_ID, b: ORDER_ID })).toThrow(/over 64 bytes/);
  });

  it('leaves a trailing optional field out, and only a trailing one may be optional', () => {
    const list = defineCallback('o:list', { cursor: field.optional(field.digits(18)) });
    expect(list.build()).toBe('o:list');
    expect(list.build({ cursor: '41' })).toBe('o:list:41');
    expect(list.parse('o:list')).toEqual({});
    expect(list.parse('o:list:41')).toEqual({ cursor: '41' });
    expect(() => defineCallback('bad', { page: field.optional(field.int(2)), id: field.uuid })).toThrow(/only the last field/);
  });

  it('fixes fields in `matching`: a confirmation answers only its own flow', () => {
    const confirm = defineCallback('or', { action: field.oneOf('ok', 'drop'), key: field.uuid });
    const mine = confirm.matching({ key: ORDER_ID });
    expect(mine.test(`or:ok:${ORDER_ID}`)).toBe(true);
    expect(mine.test(`or:drop:${ORDER_ID}`)).toBe(true);
    expect(mine.test('or:ok:11111111-1111-4111-8111-111111111111')).toBe(false);
    expect(mine.test(`or:yes:${ORDER_ID}`)).toBe(false);
  });
});

describe('the bot’s buttons', () => {
  it.each(ALL)('%s fits 64 bytes at its widest', (_name, callback) => {
    expect(callback.pattern.test(callback.widest)).toBe(true);
    expect(Buffer.byteLength(callback.widest)).toBeLessThanOrEqual(CALLBACK_DATA_MAX_BYTES);
  });

  it('no data is claimed by two declarations (one handler per button)', () => {
    for (const [name, callback] of ALL) {
      const claimedBy = ALL.filter(([, other]) => other.pattern.test(callback.widest)).map(([other]) => other);
      expect(claimedBy, name).toEqual([name]);
    }
  });

  it('the buttons notifications send keep their format (old messages carry them)', () => {
    expect(orderCallbacks.reveal.build({ orderId: ORDER_ID, index: 0 })).toBe(`o:rv:${ORDER_ID}:0`);
    expect(orderCallbacks.share.build({ orderId: ORDER_ID, index: 0 })).toBe(`o:sh:${ORDER_ID}:0`);
    expect(signupCallbacks.list.build({ page: 0 })).toBe('sg:list:0');
  });
});
