// The endpoints about a client's account rather than the catalog or one order: accounts and
// balances, the orders report, the transactions ledger, exchange rates, and the notification
// (callback) settings.
import Big from 'big.js';
import { jsonDecimal, parseJsonExact } from '../json.ts';
import { crossRate, USD_RATES } from './catalog.ts';
import { bambooTimestamp, DAY_PATTERN, dayStart, decimalOut, json, lowerKeys, orderNumber } from './http.ts';
import type { SimulatorCredential } from './state.ts';
import type { SimulatorStore } from './store.ts';

export async function accountsOf(store: SimulatorStore, credential: SimulatorCredential): Promise<Response> {
  const accounts = (await store.accounts(credential.clientId)).map((account) => ({
    id: account.id,
    currency: account.currency,
    balance: decimalOut(account.balance),
    isActive: account.isActive,
    sandboxMode: credential.sandbox,
  }));
  return json({ accounts });
}

/** `startDate`/`endDate` (whole UTC days, both included) as a time range, or the 400 answer. */
function dateRange(query: Map<string, string>): { from: number; to: number } | Response {
  const start = query.get('startdate');
  const end = query.get('enddate');
  if (!start || !end || !DAY_PATTERN.test(start) || !DAY_PATTERN.test(end)) return json({ message: 'startDate and endDate (YYYY-MM-DD) are required.' }, 400);
  return { from: dayStart(start), to: dayStart(end) + 86_400_000 - 1 };
}

export async function ordersReport(store: SimulatorStore, credential: SimulatorCredential, query: Map<string, string>): Promise<Response> {
  const range = dateRange(query);
  if (range instanceof Response) return range;
  const rows = (await store.ordersBetween(credential.clientId, range.from, range.to)).flatMap((order) =>
    order.lines.map((line) => {
      const sold = line.cards.filter((card) => card.status !== 'Failed').length;
      return {
        clientName: credential.clientName,
        orderNumber: orderNumber(order.orderId),
        orderDate: `${new Date(order.createdAt).toISOString().slice(0, 10)}T00:00:00`,
        clientReferenceNumber: order.requestId,
        channel: credential.sandbox ? 'Sandbox' : 'Production',
        productName: line.productName,
        denomination: `${line.currencyCode} ${line.faceValue}`,
        quantity: line.quantity,
        unitPrice: decimalOut(new Big(line.unitCost)),
        subTotal: decimalOut(new Big(line.unitCost).times(line.quantity), 2),
        total: decimalOut(new Big(line.unitCost).times(sold)),
        accountCurrency: order.currency,
        status: order.status,
      };
    }),
  );
  return json(rows);
}

export async function transactionsOf(store: SimulatorStore, credential: SimulatorCredential, query: Map<string, string>): Promise<Response> {
  const range = dateRange(query);
  if (range instanceof Response) return range;
  const amount = (value: Big, currencyCode: string) => ({ value: decimalOut(value), currencyCode });
  const transactions = (await store.transactionsBetween(credential.clientId, range.from, range.to)).map(
    ({ transactionId, type, order, amount: value, balanceAfter, at }) => ({
      orderId: order.orderId,
      requestId: order.requestId,
      productId: order.lines[0]?.productId ?? null,
      orderNumber: orderNumber(order.orderId),
      orderTotal: amount(new Big(order.total), order.currency),
      orderTotalForSelectedProducts: amount(new Big(order.total), order.currency),
      currencyCode: null,
      orderDate: bambooTimestamp(order.createdAt),
      transactionId,
      transactionType: type,
      comment: null,
      notes: null,
      availableBalance: amount(balanceAfter, order.currency),
      transactionAmount: amount(value, order.currency),
      transactionDate: bambooTimestamp(at),
      orderItems: order.lines.map((line) => {
        const rate = line.currencyCode === order.currency ? new Big(0) : (crossRate(line.currencyCode, order.currency) ?? new Big(0));
        const unitCost = new Big(line.unitCost);
        return {
          createdDate: '0001-01-01T00:00:00',
          productName: line.productName,
          brandName: line.brandName,
          brandCurrencyCode: line.currencyCode,
          brandWithDenominationCurrency: `${line.brandName} ${line.currencyCode} ${line.faceValue}`,
          denomination: amount(new Big(line.faceValue), line.currencyCode),
          clientDiscountType: 'Percentage',
          clientDiscountValue: decimalOut(new Big(line.discount).times(100)),
          clientTransactionFeeType: 'Fixed',
          clientTransactionFeeValue: 0,
          clientPrice: amount(unitCost, order.currency),
          estimatedPrice: amount(unitCost, order.currency),
          quantity: line.quantity,
          clientTotal: decimalOut(unitCost.times(line.quantity)),
          clientExchangeRate: { fromCurrency: line.currencyCode, toCurrency: order.currency, exchangeRate: decimalOut(rate, 10) },
        };
      }),
      clientName: null,
      orderType: null,
      xeroCreditNoteNumber: null,
    }),
  );
  const start = new Date(range.from).toISOString().slice(0, 10);
  const end = new Date(range.to).toISOString().slice(0, 10);
  return json({ startDate: `${start}T00:00:00`, endDate: `${end}T23:59:59`, clients: [{ clientName: credential.clientName, transactions }] });
}

export function exchangeRates(query: Map<string, string>): Response {
  const base = (query.get('basecurrency') || 'USD').toUpperCase();
  const only = query.get('currency')?.toUpperCase();
  if (!USD_RATES[base] || (only && !USD_RATES[only])) return json({ message: 'Currency is not supported.' }, 400);
  const currencies = only ? [only] : Object.keys(USD_RATES).filter((code) => code !== base);
  return json({
    baseCurrencyCode: base,
    rates: currencies.map((code) => ({ currencyCode: code, value: jsonDecimal(crossRate(base, code)!.toFixed(10)) })),
  });
}

export async function getNotification(store: SimulatorStore, credential: SimulatorCredential): Promise<Response> {
  return json((await store.notification(credential.clientId)) ?? { notificationUrl: null, notificationUrlSandbox: null, secretKey: null });
}

export async function setNotification(store: SimulatorStore, credential: SimulatorCredential, request: Request): Promise<Response> {
  let body: Record<string, unknown> | undefined;
  try {
    body = lowerKeys(parseJsonExact(await request.text()));
  } catch {
    body = undefined;
  }
  if (!body || typeof body.notificationurl !== 'string') return json({ message: 'notificationUrl is required.' }, 400);
  const settings = {
    notificationUrl: body.notificationurl,
    notificationUrlSandbox: typeof body.notificationurlsandbox === 'string' ? body.notificationurlsandbox : '',
    secretKey: typeof body.secretkey === 'string' ? body.secretkey : '',
  };
  await store.setNotification(credential.clientId, settings);
  return json(settings);
}
