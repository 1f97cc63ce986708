// The simulator's catalog: Bamboo's documented sandbox examples, a few synthetic products that
// exercise every rejection, and a generated bulk of realistic size (production has about 2,700
// brands and 9,350 products). Deterministic: the same seed gives the same catalog.
import Big from 'big.js';

export interface SimProduct {
  id: number;
  name: string;
  /** Decimal strings in the brand currency; equal for a fixed denomination. */
  minFaceValue: string;
  maxFaceValue: string;
  /** Our client discount off face value ("0.053" = 5.3 %); price = face × (1 − discount), 4 decimals. */
  discount: string;
  /** null: unlimited; 0: out of stock. */
  count: number | null;
  modifiedAt: number;
  /** Listed but cannot be ordered (InvalidProduct). */
  disabled?: boolean;
  /** No client price set up (ClientPriceInvalid). */
  noClientPrice?: boolean;
  /** Fixed client price overriding the discount (the documented examples). */
  fixedPrice?: string;
}

export interface SimBrand {
  id: number;
  name: string;
  countryCode: string;
  currencyCode: string;
  description: string | null;
  disclaimer: string | null;
  redemptionInstructions: string | null;
  terms: string | null;
  logoUrl: string | null;
  modifiedAt: number;
  categoryIds: number[];
  products: SimProduct[];
  /** v2.1 brand SKU (derived when absent) and status (`Live` when absent). */
  sku?: string;
  status?: 'Live' | 'TemporaryInactive';
}

/** Bamboo's category list (docs/bamboo.md#vendor-facts-our-code-relies-on); ids 8, 28 and 29 do not exist. */
export const CATEGORIES: { id: number; name: string }[] = [
  [1, 'Entertainment'],
  [2, 'Gaming'],
  [3, 'Prepaid Cards'],
  [4, 'Fashion & Accessories'],
  [5, 'Tools & Home Improvement'],
  [6, 'Airlines & Hotels'],
  [7, 'Beauty Wellness & Spa'],
  [9, 'eCommerce'],
  [10, 'Dining & Restaurants'],
  [11, 'Kids Fashion & Toys'],
  [12, 'Travel & Leisure'],
  [13, 'Home & Garden'],
  [14, 'Learning'],
  [15, 'Sports & Lifestyle'],
  [16, 'Electronics'],
  [17, 'Crypto'],
  [18, 'Supermarkets & Hypermarkets'],
  [19, 'Bookstore'],
  [20, 'Telecommunication & Internet'],
  [21, 'Department Stores'],
  [22, 'Mobile Application'],
  [23, 'Shopping Mall'],
  [24, 'Gas Station'],
  [25, 'Drugstore'],
  [26, 'Pet Shop & Pet Care'],
  [27, 'Charity'],
  [30, 'Petroleum'],
].map(([id, name]) => ({ id: id as number, name: name as string }));

/** Product ids of the fixed examples, for tests and demos. */
export const SIM_PRODUCTS = {
  /** "Steam 10 USD BH": face 10 USD, price 9.47 USD, unlimited (documented sandbox example). */
  steam10: 439685,
  /** "iTunes USA eGift voucher": face 100 USD (documented example). */
  itunes100: 114111,
  /** Test Brand UAE (AED), fixed 10. */
  testBrandUae10: 900002,
  /** Range 5–500 USD. */
  range: 900101,
  outOfStock: 900102,
  /** Stock of 3 cards. */
  limitedStock: 900103,
  /** Listed but not orderable. */
  disabled: 900104,
  /** No client price set up. */
  noClientPrice: 900105,
  /** 10 EUR card priced 9.50 EUR: bought from a USD account through FX. */
  eur10: 900201,
} as const;

// Rates from USD (what exchange-rates returns with no parameters). AED→INR is the documented 22.718078.
export const USD_RATES: Record<string, string> = {
  USD: '1',
  EUR: '0.871483',
  GBP: '0.7612',
  AED: '3.6725',
  SAR: '3.75',
  BHD: '0.376',
  KWD: '0.3075',
  INR: new Big('3.6725').times('22.718078').toFixed(),
  JPY: '151.37',
  CAD: '1.3712',
  AUD: '1.5134',
  TRY: '34.12',
};

const COUNTRIES: { code: string; currency: string; scale: number }[] = [
  { code: 'US', currency: 'USD', scale: 1 },
  { code: 'GB', currency: 'GBP', scale: 1 },
  { code: 'DE', currency: 'EUR', scale: 1 },
  { code: 'FR', currency: 'EUR', scale: 1 },
  { code: 'IT', currency: 'EUR', scale: 1 },
  { code: 'ES', currency: 'EUR', scale: 1 },
  { code: 'NL', currency: 'EUR', scale: 1 },
  { code: 'AE', currency: 'AED', scale: 5 },
  { code: 'SA', currency: 'SAR', scale: 5 },
  { code: 'BH', currency: 'BHD', scale: 1 },
  { code: 'KW', currency: 'KWD', scale: 1 },
  { code: 'IN', currency: 'INR', scale: 100 },
  { code: 'JP', currency: 'JPY', scale: 100 },
  { code: 'CA', currency: 'CAD', scale: 1 },
  { code: 'AU', currency: 'AUD', scale: 1 },
  { code: 'TR', currency: 'TRY', scale: 10 },
  { code: 'BH', currency: 'USD', scale: 1 },
  { code: 'AE', currency: 'USD', scale: 1 },
];

const BRAND_WORDS = [
  'Steam',
  'Amazon',
  'iTunes',
  'Google Play',
  'PlayStation',
  'Xbox',
  'Nintendo eShop',
  'Netflix',
  'Spotify',
  'Razer Gold',
  'Roblox',
  'Fortnite',
  'PUBG Mobile',
  'Free Fire',
  'Apple',
  'Uber',
  'Uber Eats',
  'Careem',
  'Noon',
  'Talabat',
  'IKEA',
  'Sephora',
  'Nike',
  'Adidas',
  'Zara',
  'H&M',
  'Starbucks',
  'Deliveroo',
  'Airbnb',
  'Booking.com',
  'Emirates',
  'Carrefour',
  'Lulu',
  'Walmart',
  'Target',
  'eBay',
  'Zalando',
  'Decathlon',
  'Virgin Megastore',
  'Jarir',
  'Extra',
  'Namshi',
  'Shein',
  'Binance',
  'Mobily',
  'STC',
  'Etisalat',
  'du',
  'Vodafone',
  'Anghami',
  'OSN',
  'Shahid',
  'Twitch',
  'Discord Nitro',
  'EA Play',
  'Ubisoft',
  'Blizzard',
  'Riot',
  'Minecraft',
  'Candy Crush',
  'Yalla Ludo',
  'Bigo Live',
  'TikTok Coins',
  'Deezer',
  'Audible',
  'Kindle',
  'Udemy',
  'Coursera',
  'Duolingo',
  'Skype',
  'Microsoft 365',
  'Adobe',
  'NordVPN',
  'McAfee',
  'Kaspersky',
  'Petco',
  'Home Depot',
  'Best Buy',
  'GameStop',
  'Sony',
  'Samsung',
  'Huawei AppGallery',
  'Crunchyroll',
  'Disney+',
  'Hulu',
  'HBO Max',
  'Paramount+',
  'YouTube Premium',
  'Zomato',
  'Swiggy',
  'Flipkart',
  'Myntra',
  'Nykaa',
  'Tanishq',
  'Croma',
  'BookMyShow',
  'MakeMyTrip',
  'Cleartrip',
  'Ola',
  'Rapido',
  'Marks & Spencer',
  'Boots',
  'Tesco',
  'Argos',
  'Currys',
  'John Lewis',
  'Selfridges',
  'Harrods',
  'Primark',
  'ASOS',
  'Lego',
  'Toys R Us',
  'Hamleys',
  'Virgin Experience',
  'Cineworld',
  'Odeon',
  'VOX Cinemas',
  'Reel Cinemas',
  'Magic Planet',
  'Sharaf DG',
];

const FACE_SETS = [
  [5, 10, 25, 50, 100],
  [10, 20, 50, 100],
  [10, 25, 50, 100, 200],
  [15, 30, 60],
  [5, 10, 20],
];

/** Small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_MS = 86_400_000;

export interface GenerateCatalogOptions {
  seed?: number;
  minBrands?: number;
  minProducts?: number;
  /** Modified dates spread over the 300 days before this instant. */
  now?: number;
}

function brand(partial: Omit<SimBrand, 'description' | 'disclaimer' | 'redemptionInstructions' | 'terms' | 'logoUrl'> & Partial<SimBrand>): SimBrand {
  return { description: null, disclaimer: null, redemptionInstructions: null, terms: null, logoUrl: null, ...partial };
}

function documentedBrands(modifiedAt: number): SimBrand[] {
  const product = (p: Omit<SimProduct, 'modifiedAt' | 'count' | 'discount'> & Partial<SimProduct>): SimProduct => ({
    modifiedAt,
    count: null,
    discount: '0.05',
    ...p,
  });
  return [
    brand({
      id: 1020,
      name: 'Steam Bahrain',
      countryCode: 'BH',
      currencyCode: 'USD',
      modifiedAt,
      categoryIds: [2],
      products: [product({ id: SIM_PRODUCTS.steam10, name: 'Steam 10 USD BH', minFaceValue: '10', maxFaceValue: '10', fixedPrice: '9.47' })],
    }),
    brand({
      id: 1021,
      name: 'iTunes USA eGift voucher',
      countryCode: 'US',
      currencyCode: 'USD',
      modifiedAt,
      categoryIds: [1],
      description: 'Use it to buy apps, games, music and more.',
      products: [product({ id: SIM_PRODUCTS.itunes100, name: 'iTunes USA eGift voucher', minFaceValue: '100', maxFaceValue: '100', fixedPrice: '100' })],
    }),
    brand({
      id: 2118,
      name: 'Test Brand UAE',
      sku: 'TBRAND-AE',
      countryCode: 'AE',
      currencyCode: 'AED',
      modifiedAt,
      categoryIds: [6],
      logoUrl: 'https://bamboo-assets.s3.amazonaws.com/app-images/brand-images/2118/card-picture',
      products: ['1', '10', '20'].map((face, index) =>
        product({ id: 900001 + index, name: `Test Brand UAE ${face} AED`, minFaceValue: face, maxFaceValue: face }),
      ),
    }),
    brand({
      id: 6132,
      name: 'Test Brand Bahrain',
      sku: 'TBRAND1-AE',
      status: 'TemporaryInactive',
      countryCode: 'BH',
      currencyCode: 'BHD',
      modifiedAt,
      categoryIds: [],
      products: [],
    }),
    brand({
      id: 9001,
      name: 'Simulator Test Brand',
      countryCode: 'US',
      currencyCode: 'USD',
      modifiedAt,
      categoryIds: [9],
      products: [
        product({ id: SIM_PRODUCTS.range, name: 'Simulator Range USD 5-500', minFaceValue: '5', maxFaceValue: '500' }),
        product({ id: SIM_PRODUCTS.outOfStock, name: 'Simulator Out Of Stock 25 USD', minFaceValue: '25', maxFaceValue: '25', count: 0 }),
        product({ id: SIM_PRODUCTS.limitedStock, name: 'Simulator Limited 10 USD', minFaceValue: '10', maxFaceValue: '10', count: 3 }),
        product({ id: SIM_PRODUCTS.disabled, name: 'Simulator Disabled 10 USD', minFaceValue: '10', maxFaceValue: '10', disabled: true }),
        product({ id: SIM_PRODUCTS.noClientPrice, name: 'Simulator No Price 10 USD', minFaceValue: '10', maxFaceValue: '10', noClientPrice: true }),
      ],
    }),
    brand({
      id: 9002,
      name: 'Simulator Germany',
      countryCode: 'DE',
      currencyCode: 'EUR',
      modifiedAt,
      categoryIds: [9],
      products: [product({ id: SIM_PRODUCTS.eur10, name: 'Simulator 10 EUR DE', minFaceValue: '10', maxFaceValue: '10', fixedPrice: '9.50' })],
    }),
  ];
}

/** The documented examples plus generated brands until both minimums are reached. */
export function generateCatalog(options: GenerateCatalogOptions = {}): SimBrand[] {
  const random = prng(options.seed ?? 42);
  const now = options.now ?? Date.parse('2026-11-01T00:00:00Z');
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const brands = documentedBrands(now - 400 * DAY_MS);
  const minBrands = options.minBrands ?? 2_600;
  const minProducts = options.minProducts ?? 9_200;
  let productCount = brands.reduce((sum, b) => sum + b.products.length, 0);
  let nextBrandId = 10_000;
  let nextProductId = 500_000;

  for (let index = 0; brands.length < minBrands || productCount < minProducts; index += 1) {
    const word = BRAND_WORDS[index % BRAND_WORDS.length]!;
    const country = COUNTRIES[Math.floor(index / BRAND_WORDS.length) % COUNTRIES.length]!;
    const generation = Math.floor(index / (BRAND_WORDS.length * COUNTRIES.length));
    const name = `${word} ${country.code}${country.currency === 'USD' && country.code !== 'US' ? ' USD' : ''}${generation > 0 ? ` ${generation + 1}` : ''}`;
    const brandModified = now - Math.floor(random() * 300) * DAY_MS - Math.floor(random() * DAY_MS);
    // Products change on or before their brand's date, never after `now`.
    const products: SimProduct[] = [];
    const productTotal = 2 + Math.floor(random() * 4);
    const faces = pick(FACE_SETS);
    const withRange = random() < 0.25;
    for (let p = 0; p < productTotal; p += 1) {
      const stockRoll = random();
      const count = stockRoll < 0.02 ? 0 : stockRoll < 0.12 ? 1 + Math.floor(random() * 200) : null;
      const discount = new Big(Math.floor(random() * 1200)).div(10_000).toFixed(); // 0–12 %
      const modifiedAt = brandModified - Math.floor(random() * 30) * DAY_MS;
      if (withRange && p === 0) {
        const min = 5 * country.scale;
        const max = 500 * country.scale;
        products.push({
          id: nextProductId++,
          name: `${word} ${country.currency} ${min}-${max} ${country.code}`,
          minFaceValue: String(min),
          maxFaceValue: String(max),
          discount,
          count,
          modifiedAt,
        });
      } else {
        const face = String((faces[p % faces.length] ?? 10) * country.scale * (p >= faces.length ? 2 : 1));
        products.push({
          id: nextProductId++,
          name: `${word} ${face} ${country.currency} ${country.code}`,
          minFaceValue: face,
          maxFaceValue: face,
          discount,
          count,
          modifiedAt,
        });
      }
    }
    brands.push(
      brand({
        id: nextBrandId++,
        name,
        countryCode: country.code,
        currencyCode: country.currency,
        description: random() < 0.8 ? `${word} gift card for ${country.code}.` : null,
        redemptionInstructions: random() < 0.7 ? `Redeem at ${word.toLowerCase().replace(/\W+/g, '')}.com` : null,
        terms: random() < 0.5 ? 'Non-refundable. Not exchangeable for cash.' : '',
        logoUrl: random() < 0.9 ? `https://bamboo-assets.s3.amazonaws.com/app-images/brand-images/${nextBrandId - 1}/card-picture` : null,
        modifiedAt: Math.max(...products.map((product) => product.modifiedAt)),
        categoryIds: [pick(CATEGORIES).id],
        products,
      }),
    );
    productCount += products.length;
  }
  return brands;
}

/** Our cost for one card of `faceValue` (decimal string), in the brand currency, 4 decimals. */
export function unitPrice(product: SimProduct, faceValue: string): Big {
  if (product.fixedPrice !== undefined && product.minFaceValue === product.maxFaceValue) return new Big(product.fixedPrice);
  return new Big(faceValue).times(new Big(1).minus(product.discount)).round(4, Big.roundHalfUp);
}

/** 1 `from` = rate `to`, 10 decimals (exchange-rates' precision). */
export function crossRate(from: string, to: string): Big | undefined {
  const fromRate = USD_RATES[from];
  const toRate = USD_RATES[to];
  if (!fromRate || !toRate) return undefined;
  return new Big(toRate).div(fromRate).round(10, Big.roundHalfUp);
}
