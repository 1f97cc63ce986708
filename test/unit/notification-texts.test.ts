// Notification texts are named by key in code (the queue carries keys, not texts): each one must
// exist and render completely in every language.
import { describe, expect, it } from 'vitest';
import { createI18n } from '../../bot/i18n.ts';

const vars = {
  name: 'Nour',
  amount: '10.00 USD',
  balance: '5.00 USD',
  threshold: '20.00 USD',
  reason: 'late',
  month: '2026-10',
  count: 2,
  invariants: 'x',
  accounts: 'a, b',
  proof: 'REF',
  duplicate: 'no',
  number: 'ST-000123',
  card: 'Steam',
  face: '10.00 USD',
  position: 1,
  quantity: 6,
  delivered: 6,
  at: '2026-12-01 10:00',
  opening: '0.00 USD',
  credits: '1.00 USD',
  debits: '0.00 USD',
  orders: '0.00 USD',
  revenueShare: '0.00 USD',
  closing: '1.00 USD',
};
const NOTIFICATION_KEYS = [
  'topup-admin-request',
  'topup-approve',
  'topup-reject',
  'topup-approved',
  'topup-rejected',
  'funds-request',
  'funds-allocate-button',
  'funds-decline-button',
  'funds-received',
  'funds-declined',
  'funds-debited',
  'low-balance',
  'revenue-share-paid',
  'ledger-drift-alert',
  'vendor-low-balance-alert',
  'order-needs-attention-alert',
  'card-claim-opened',
  'monthly-statement',
  'wallet-statement-csv',
  'order-cards-many',
  'order-cards-csv',
  'order-open',
  'order-share',
  'menu-order',
  'button-menu',
];

describe('notification texts', () => {
  const i18n = createI18n();
  for (const locale of ['en', 'ar']) {
    it(`render completely in ${locale}`, () => {
      for (const key of NOTIFICATION_KEYS) {
        const text = i18n.translate(locale, key, vars);
        expect(text, key).not.toBe(key);
        expect(text, key).not.toMatch(/[{}]/);
      }
    });
  }

  it('name every order status a buyer can see in "My orders", needs_attention included', async () => {
    const { ORDER_STATUSES } = await import('../../src/domain/orders/orders.tables.ts');
    for (const locale of ['en', 'ar'])
      for (const status of ORDER_STATUSES) {
        const key = `order-status-${status.replace('_', '-')}`;
        expect(i18n.translate(locale, key, {}), `${locale} ${key}`).not.toMatch(/[{}]|^order-status-/);
      }
  });

  it('warn about a reused proof on a line of its own', () => {
    expect(i18n.translate('en', 'topup-admin-request', { ...vars, duplicate: 'yes' })).toBe(
      'Top-up request from Nour\nAmount: 10.00 USD\nProof: REF\n⚠️ The same proof was used in an earlier request.',
    );
    expect(i18n.translate('en', 'topup-admin-request', vars)).toBe('Top-up request from Nour\nAmount: 10.00 USD\nProof: REF');
    expect(i18n.translate('ar', 'topup-admin-request', { ...vars, duplicate: 'yes' })).toContain('\n⚠️ استُخدم الإثبات نفسه');
  });
});
