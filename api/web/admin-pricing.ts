// Admin console, prices (docs/web.md, Admin pages): price plans with where they apply, a new plan, a
// role's default plan, a per-product discount, the bounds of agents' margins; the Telegram card list: add an entry, move it, change
// its face values, remove it, and pause or resume a listed product's sales. The same services as
// /v1/admin/price-plans, /v1/admin/card-list, /v1/admin/sales-pauses and the bot's screens.
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { AppContext } from '#src/context.ts';
import { cardListView, editCardList, parseCardListFaces, type CardListEdit, type CardListViewEntry } from '#src/domain/pricing/card-list.ts';
import { marginBounds, MAX_MARKUP_BPS, setMarginBounds } from '#src/domain/pricing/margins.ts';
import { assignPricePlan, createPricePlan, getProduct, listPricePlans, setProductDiscount } from '#src/domain/pricing/pricing.ts';
import { listSalesPauses, MAX_PAUSE_REASON_LENGTH, pauseSales, resumeSales } from '#src/domain/vendor/sales-pauses.ts';
import { formatAmount, money } from '#src/shared/money.ts';
import { DomainError } from '#src/shared/errors.ts';
import type { WebEnv } from './env.ts';
import { formOf } from './forms.ts';
import { accountOf, requireKind, webActor } from './guards.ts';
import { csrfField, pageRenderer, table } from './html.ts';

const NOTICES: Record<string, string> = {
  created: 'Price plan created.',
  assigned: 'Default plan set.',
  discount: 'Discount saved.',
  'card-list': 'Card list saved.',
  paused: "The product's sales are paused.",
  resumed: "The product's sales are resumed.",
  margins: "Agents' margin bounds saved.",
};
const Bps = z.coerce.number().int().min(-9999).max(9999);
const percent = (bps: number) => `${(bps / 100).toFixed(2)} %`;
const ProductId = z
  .string()
  .trim()
  .regex(/^\d{1,18}$/);
const CardListForm = z.discriminatedUnion('action', [
  z.object({ action: z.literal('add'), productId: ProductId, faces: z.string().max(500) }),
  z.object({ action: z.enum(['up', 'down', 'remove']), position: z.coerce.number().int().min(0).max(10_000), productId: ProductId }),
  z.object({ action: z.literal('set_faces'), position: z.coerce.number().int().min(0).max(10_000), productId: ProductId, faces: z.string().max(500) }),
]);

/** An entry's face values as an admin types them: "10.00, 25.00" or "5.00-200.00". */
function facesText(entry: CardListViewEntry): string {
  const amount = (minor: bigint) => formatAmount(money(minor, entry.faceCurrency));
  return 'denominations' in entry ? entry.denominations.map(amount).join(', ') : `${amount(entry.range.min)}-${amount(entry.range.max)}`;
}

export function adminPricingRoutes(ctx: AppContext) {
  const app = new Hono<WebEnv>();
  app.use('*', requireKind('admin'));
  const actorOf = (c: Context<WebEnv>) => webActor(accountOf(c).accountId);
  const render = pageRenderer(NOTICES);

  app.get('/pricing', async (c) => {
    const actor = actorOf(c);
    const [plans, cardList, pauses, bounds] = await Promise.all([
      listPricePlans(ctx.db, actor),
      cardListView(ctx.db),
      listSalesPauses(ctx.db, actor),
      marginBounds(ctx.db),
    ]);
    const pauseOf = (productId: bigint) => pauses.find((pause) => pause.scope === 'product' && pause.target === String(productId));
    const csrf = csrfField(c.var.csrfToken);
    const planOptions = plans.map((plan) => html`<option value="${plan.id}">${plan.name}</option>`);
    return render(
      c,
      'Prices',
      html`${table(
          'Price plans (a discount lowers the price; negative is a markup)',
          ['Plan', 'Default discount', 'Default for', 'Accounts', 'Product discounts'],
          plans.map((plan) => [
            html`${plan.name}`,
            html`${percent(plan.defaultDiscountBps)}`,
            html`${plan.roles.join(', ') || '—'}`,
            html`${plan.accounts}`,
            html`${plan.discounts.map((discount) => `${discount.productId}: ${percent(discount.discountBps)}`).join(', ') || '—'}`,
          ]),
          'No price plans: every account pays the list price.',
        )}
        <div class="grid">
          <form method="post" action="/app/admin/pricing/plans" class="card">
            ${csrfField(c.var.csrfToken)}
            <h2>New plan</h2>
            <label for="plan-name">Name</label><input id="plan-name" name="name" required maxlength="100" />
            <label for="plan-bps">Default discount (basis points, 100 = 1 %)</label
            ><input id="plan-bps" name="defaultDiscountBps" inputmode="numeric" required value="0" /> <button type="submit">Create</button>
          </form>
          ${
            plans.length > 0
              ? html`<form method="post" action="/app/admin/pricing/role-default" class="card">
                    ${csrfField(c.var.csrfToken)}
                    <h2>A role's default plan</h2>
                    <label for="role">Role</label
                    ><select id="role" name="role">
                      <option value="partner">Partners</option>
                      <option value="agent">Agents</option>
                      <option value="sub_agent">Sub-agents</option>
                    </select>
                    <label for="role-plan">Plan</label
                    ><select id="role-plan" name="planId">
                      ${planOptions}
                    </select>
                    <button type="submit">Set</button>
                  </form>
                  <form method="post" action="/app/admin/pricing/discount" class="card">
                    ${csrfField(c.var.csrfToken)}
                    <h2>A product's discount in a plan</h2>
                    <label for="discount-plan">Plan</label
                    ><select id="discount-plan" name="planId">
                      ${planOptions}
                    </select>
                    <label for="discount-product">Product id</label><input id="discount-product" name="productId" inputmode="numeric" required />
                    <label for="discount-bps">Discount (basis points; empty: back to the plan's default)</label
                    ><input id="discount-bps" name="discountBps" inputmode="numeric" /> <button type="submit">Save</button>
                  </form>`
              : ''
          }
          <form method="post" action="/app/admin/pricing/margin-bounds" class="card">
            ${csrfField(c.var.csrfToken)}
            <h2>Agents' margins on their sub-agents</h2>
            <p>The markup an agent may put on its own price for a sub-agent (basis points, 100 = 1 %, at most ${MAX_MARKUP_BPS}).</p>
            <label for="margin-min">Lowest</label><input id="margin-min" name="minBps" inputmode="numeric" required value="${bounds.minBps}" />
            <label for="margin-max">Highest</label><input id="margin-max" name="maxBps" inputmode="numeric" required value="${bounds.maxBps}" />
            <button type="submit">Save</button>
          </form>
        </div>
        <h2 id="card-list">The Telegram card list</h2>
        ${table(
          html`What the bot sells, in order (at most ${ctx.config.CARD_LIST_MAX_ENTRIES} entries); a paused product is refused in every channel`,
          ['#', 'Product', 'Face values', 'Order', 'Sales'],
          cardList.map((entry) => {
            const number = entry.position + 1;
            const name = `${entry.productName} (${String(entry.productId)})`;
            const hidden = html`${csrf}<input type="hidden" name="position" value="${entry.position}" /><input
                type="hidden"
                name="productId"
                value="${String(entry.productId)}"
              />`;
            const move = (action: 'up' | 'down' | 'remove', label: string, text: string) =>
              html`<form method="post" action="/app/admin/pricing/card-list" class="inline">
                ${hidden}<input type="hidden" name="action" value="${action}" /><button type="submit" aria-label="${text} ${number}: ${name}">${label}</button>
              </form>`;
            const pause = pauseOf(entry.productId);
            return [
              html`${number}`,
              html`${name}`,
              html`<form method="post" action="/app/admin/pricing/card-list" class="inline">
                ${hidden}<input type="hidden" name="action" value="set_faces" /><label for="faces-${entry.position}" class="visually-hidden"
                  >Face values of ${number}, in ${entry.faceCurrency}</label
                ><input id="faces-${entry.position}" name="faces" value="${facesText(entry)}" required maxlength="500" size="14" /> ${entry.faceCurrency}
                <button type="submit">Save</button>
              </form>`,
              html`${entry.position > 0 ? move('up', 'Up', 'Move up') : ''} ${entry.position < cardList.length - 1 ? move('down', 'Down', 'Move down') : ''}
              ${move('remove', 'Remove', 'Remove')}`,
              pause
                ? html`Paused: ${pause.reason}
                    <form method="post" action="/app/admin/pricing/sales-resume" class="inline">
                      ${csrf}<input type="hidden" name="productId" value="${String(entry.productId)}" /><button
                        type="submit"
                        aria-label="Resume sales of ${name}"
                      >
                        Resume
                      </button>
                    </form>`
                : html`<form method="post" action="/app/admin/pricing/sales-pause" class="inline">
                    ${csrf}<input type="hidden" name="productId" value="${String(entry.productId)}" /><label
                      for="pause-${entry.position}"
                      class="visually-hidden"
                      >Why pause ${name}</label
                    ><input id="pause-${entry.position}" name="reason" required maxlength="${MAX_PAUSE_REASON_LENGTH}" placeholder="Reason" size="12" />
                    <button type="submit" aria-label="Pause sales of ${name}">Pause</button>
                  </form>`,
            ];
          }),
          'The card list is empty: the bot sells nothing yet.',
        )}
        ${
          cardList.length < ctx.config.CARD_LIST_MAX_ENTRIES
            ? html`<form method="post" action="/app/admin/pricing/card-list" class="card">
                ${csrf}<input type="hidden" name="action" value="add" />
                <h2>Add a card</h2>
                <label for="add-product">Product id (from the catalog)</label
                ><input id="add-product" name="productId" inputmode="numeric" required maxlength="18" />
                <label for="add-faces">Face values in the product's currency: fixed values "10, 25, 50", or a range "5-200" (a range card only)</label
                ><input id="add-faces" name="faces" required maxlength="500" /> <button type="submit">Add</button>
              </form>`
            : html`<p>The card list is full; remove an entry to add another.</p>`
        }`,
    );
  });

  app.post('/pricing/plans', async (c) => {
    const form = await formOf(c);
    const bps = Bps.safeParse(form['defaultDiscountBps']);
    if (!bps.success) throw new DomainError('invalid_discount', 'a discount is whole basis points between -9999 and 9999');
    await createPricePlan(ctx.db, actorOf(c), { name: form['name'] ?? '', defaultDiscountBps: bps.data });
    return c.redirect('/app/admin/pricing?notice=created', 303);
  });

  app.post('/pricing/role-default', async (c) => {
    const form = await formOf(c);
    const role = z.enum(['agent', 'sub_agent', 'partner']).safeParse(form['role']);
    if (!role.success) throw new DomainError('role_cannot_order', 'choose partners, agents or sub-agents');
    await assignPricePlan(ctx.db, actorOf(c), { role: role.data }, form['planId'] ?? '');
    return c.redirect('/app/admin/pricing?notice=assigned', 303);
  });

  app.post('/pricing/margin-bounds', async (c) => {
    const form = await formOf(c);
    const bounds = z.object({ minBps: z.coerce.number().int(), maxBps: z.coerce.number().int() }).safeParse(form);
    if (!bounds.success) throw new DomainError('margin_out_of_bounds', `bounds are whole basis points, 0 ≤ lowest ≤ highest ≤ ${MAX_MARKUP_BPS}`);
    await setMarginBounds(ctx.db, actorOf(c), bounds.data);
    return c.redirect('/app/admin/pricing?notice=margins', 303);
  });

  app.post('/pricing/discount', async (c) => {
    const form = await formOf(c);
    const productId = ProductId.safeParse(form['productId']);
    if (!productId.success) throw new DomainError('product_not_found', 'a product id is a number');
    const raw = (form['discountBps'] ?? '').trim();
    const bps = raw === '' ? null : Bps.safeParse(raw);
    if (bps !== null && !bps.success) throw new DomainError('invalid_discount', 'a discount is whole basis points between -9999 and 9999');
    await setProductDiscount(ctx.db, actorOf(c), {
      planId: form['planId'] ?? '',
      productId: BigInt(productId.data),
      discountBps: bps === null ? null : bps.data,
    });
    return c.redirect('/app/admin/pricing?notice=discount', 303);
  });

  app.post('/pricing/card-list', async (c) => {
    const form = CardListForm.safeParse(await formOf(c));
    if (!form.success) throw new DomainError('invalid_card_list', 'name a product by its number, and its face values');
    const input = form.data;
    const productId = BigInt(input.productId);
    let edit: CardListEdit;
    if (input.action === 'add' || input.action === 'set_faces') {
      const currency = (await getProduct(ctx.db, productId)).face_currency;
      const faces = parseCardListFaces(input.faces, currency);
      if (!faces) throw new DomainError('invalid_card_list', `face values are amounts in ${currency}: "10, 25, 50" or a range "5-200"`);
      edit = input.action === 'add' ? { action: 'add', productId, faces } : { action: 'set_faces', position: input.position, productId, faces };
    } else {
      edit = { action: input.action, position: input.position, productId };
    }
    await editCardList(ctx.db, actorOf(c), edit, { maxEntries: ctx.config.CARD_LIST_MAX_ENTRIES });
    return c.redirect('/app/admin/pricing?notice=card-list#card-list', 303);
  });

  app.post('/pricing/sales-pause', async (c) => {
    const form = await formOf(c);
    await pauseSales(ctx, actorOf(c), { scope: 'product', target: form['productId'] ?? '', reason: form['reason'] ?? '' });
    return c.redirect('/app/admin/pricing?notice=paused#card-list', 303);
  });

  app.post('/pricing/sales-resume', async (c) => {
    const form = await formOf(c);
    await resumeSales(ctx, actorOf(c), { scope: 'product', target: form['productId'] ?? '' });
    return c.redirect('/app/admin/pricing?notice=resumed#card-list', 303);
  });

  return app;
}
