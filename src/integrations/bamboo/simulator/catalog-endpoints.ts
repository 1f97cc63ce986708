// The catalog endpoints over the simulator's brands: v2 catalog (filters, pages, prices in a target
// currency), v1 catalog (everything at once), the v2.1 brand list, stock by SKU, countries, and the
// SKU lookup the v2 checkout uses. Reads only.
import Big from 'big.js';
import { jsonDecimal } from '../json.ts';
import { CATEGORIES, crossRate, unitPrice, USD_RATES, type SimBrand, type SimProduct } from './catalog.ts';
import { bambooTimestamp, DAY_PATTERN, dayStart, decimalOut, isDecimal, json, reason } from './http.ts';

const COUNTRY_NAMES: Record<string, [name: string, alpha3: string]> = {
  US: ['United States', 'USA'],
  GB: ['United Kingdom', 'GBR'],
  DE: ['Germany', 'DEU'],
  FR: ['France', 'FRA'],
  IT: ['Italy', 'ITA'],
  ES: ['Spain', 'ESP'],
  NL: ['Netherlands', 'NLD'],
  AE: ['United Arab Emirates', 'ARE'],
  SA: ['Saudi Arabia', 'SAU'],
  BH: ['Bahrain', 'BHR'],
  KW: ['Kuwait', 'KWT'],
  IN: ['India', 'IND'],
  JP: ['Japan', 'JPN'],
  CA: ['Canada', 'CAN'],
  AU: ['Australia', 'AUS'],
  TR: ['Turkey', 'TUR'],
};

/** A brand's SKU (v2.1 API): given for the documented test brands, derived for generated ones. */
export function brandSku(brand: SimBrand): string {
  return (brand.sku ?? `${brand.name.replace(/[^A-Za-z0-9]+/g, '').slice(0, 12)}-${brand.countryCode}-${brand.id}`).toUpperCase();
}

/** v2 catalog: brands with their products, filtered and paged; `maxPageSize` caps the page size asked for. */
export function catalogPage(brands: SimBrand[], query: Map<string, string>, maxPageSize: number | undefined): Response {
  const int = (name: string, fallback: number) => {
    const value = query.get(name);
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : fallback;
  };
  const requestedSize = Math.max(1, int('pagesize', 100));
  const pageSize = maxPageSize ? Math.min(requestedSize, maxPageSize) : requestedSize;
  const pageIndex = int('pageindex', 0);
  const currency = query.get('currencycode')?.toUpperCase();
  const country = query.get('countrycode')?.toUpperCase();
  const name = query.get('name')?.toLowerCase();
  const brandId = query.has('brandid') ? int('brandid', -1) : undefined;
  const productId = query.has('productid') ? int('productid', -1) : undefined;
  const modified = query.get('modifieddate');
  const modifiedSince = modified && DAY_PATTERN.test(modified) ? dayStart(modified) : undefined;
  const target = query.get('targetcurrency')?.toUpperCase();
  if (target && !USD_RATES[target]) return reason('InvalidCurrency');

  const matching: { brand: SimBrand; products: SimProduct[] }[] = [];
  for (const brand of brands) {
    if (currency && brand.currencyCode !== currency) continue;
    if (country && brand.countryCode !== country) continue;
    if (name && !brand.name.toLowerCase().includes(name)) continue;
    if (brandId !== undefined && brand.id !== brandId) continue;
    const filtersProducts = productId !== undefined || modifiedSince !== undefined;
    const products = brand.products.filter(
      (product) => (productId === undefined || product.id === productId) && (modifiedSince === undefined || product.modifiedAt >= modifiedSince),
    );
    if (filtersProducts && products.length === 0) continue;
    matching.push({ brand, products });
  }
  const items = matching.slice(pageIndex * pageSize, (pageIndex + 1) * pageSize).map(({ brand, products }) => brandJson(brand, products, target));
  return json({ pageIndex, pageSize, count: matching.length, items });
}

/** v1 catalog: every brand at once. */
export function catalogV1(brands: SimBrand[]): Response {
  return json({ brands: brands.map((brand) => brandJson(brand, brand.products, undefined)) });
}

export function categories(): Response {
  return json(CATEGORIES.map((category) => ({ ...category, description: '' })));
}

function brandJson(brand: SimBrand, products: SimProduct[], target: string | undefined) {
  return {
    internalId: String(brand.id),
    name: brand.name,
    countryCode: brand.countryCode,
    currencyCode: brand.currencyCode,
    description: brand.description,
    disclaimer: brand.disclaimer,
    redemptionInstructions: brand.redemptionInstructions,
    terms: brand.terms,
    logoUrl: brand.logoUrl,
    modifiedDate: bambooTimestamp(brand.modifiedAt),
    products: products.map((product) => productJson(brand, product, target)),
    categories: brand.categoryIds.map((id) => ({ id, name: CATEGORIES.find((category) => category.id === id)?.name ?? '', description: '' })),
  };
}

function productJson(brand: SimBrand, product: SimProduct, target: string | undefined) {
  const rate = target ? crossRate(brand.currencyCode, target) : new Big(1);
  const price = (face: string) => decimalOut(unitPrice(product, face).times(rate ?? 1));
  return {
    id: product.id,
    name: product.name,
    minFaceValue: jsonDecimal(new Big(product.minFaceValue).toFixed(4)),
    maxFaceValue: jsonDecimal(new Big(product.maxFaceValue).toFixed(4)),
    count: product.count,
    price: { min: price(product.minFaceValue), max: price(product.maxFaceValue), currencyCode: target ?? brand.currencyCode },
    modifiedDate: bambooTimestamp(product.modifiedAt),
  };
}

/** v2.1 brand list: SKU, status, face values as fixed or range entries, category ids. */
export function brandList(brands: SimBrand[], query: Map<string, string>): Response {
  const number = (name: string, fallback: number) => (/^\d+$/.test(query.get(name) ?? '') ? Number(query.get(name)) : fallback);
  const pageSize = Math.max(1, number('pagesize', 100));
  const pageIndex = number('pageindex', 0);
  const modified = query.get('modifieddate');
  const matching = brands.filter(
    (brand) =>
      (!query.get('currencycode') || brand.currencyCode === query.get('currencycode')!.toUpperCase()) &&
      (!query.get('countrycode') || brand.countryCode === query.get('countrycode')!.toUpperCase()) &&
      (!query.get('name') || brand.name.toLowerCase().includes(query.get('name')!.toLowerCase())) &&
      (!query.get('sku') || brandSku(brand) === query.get('sku')!.toUpperCase()) &&
      (!query.has('categoryid') || brand.categoryIds.includes(number('categoryid', -1))) &&
      (!modified || !DAY_PATTERN.test(modified) || brand.modifiedAt >= dayStart(modified)),
  );
  const items = matching.slice(pageIndex * pageSize, (pageIndex + 1) * pageSize).map((brand) => ({
    id: brand.id,
    name: brand.name,
    sku: brandSku(brand),
    countryCode: brand.countryCode,
    currencyCode: brand.currencyCode,
    description: brand.description,
    disclaimer: brand.disclaimer,
    redemptionInstructions: brand.redemptionInstructions,
    terms: brand.terms,
    status: brand.status ?? 'Live',
    logoUrl: brand.logoUrl,
    modifiedDate: bambooTimestamp(brand.modifiedAt),
    faceValues: brand.products.map((product) => ({ min: jsonDecimal(product.minFaceValue), max: jsonDecimal(product.maxFaceValue) })),
    categories: brand.categoryIds,
  }));
  return json({ pageIndex, pageSize, count: matching.length, items });
}

/** Stock and price for a brand SKU and face value (`getstock/{sku}/{value}`); `isStocked: false` means unlimited. */
export function stock(brands: SimBrand[], rest: string): Response {
  const [, sku = '', faceValue = ''] = rest.split('/').map(decodeURIComponent);
  const match = isDecimal(faceValue) ? productBySku(brands, sku, new Big(faceValue)) : undefined;
  if (!match) return json({ message: `Product with sku ${sku} not found` }, 400);
  const { brand, product } = match;
  return json({
    faceValue: jsonDecimal(new Big(faceValue).toFixed()),
    quantity: product.count ?? 0,
    isStocked: product.count !== null,
    price: decimalOut(unitPrice(product, new Big(faceValue).toFixed())),
    currencyCode: brand.currencyCode,
  });
}

export function countries(brands: SimBrand[]): Response {
  const currencies = new Map<string, string>();
  for (const brand of brands) if (!currencies.has(brand.countryCode)) currencies.set(brand.countryCode, brand.currencyCode);
  return json(
    [...currencies].map(([code, currency]) => ({
      code,
      name: COUNTRY_NAMES[code]?.[0] ?? code,
      defaultCurrencyCode: currency,
      alpha3Code: COUNTRY_NAMES[code]?.[1] ?? code,
    })),
  );
}

/** The product of a brand SKU whose face values include `value`. */
export function productBySku(brands: SimBrand[], sku: string, value: Big): { brand: SimBrand; product: SimProduct } | undefined {
  const brand = brands.find((candidate) => brandSku(candidate) === sku.toUpperCase());
  const product = brand?.products.find((candidate) => value.gte(candidate.minFaceValue) && value.lte(candidate.maxFaceValue));
  return brand && product ? { brand, product } : undefined;
}
