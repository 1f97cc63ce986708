// Admin console, prices (docs/web.md, Admin pages): price plans with where they apply, a new plan, a
// role's default plan, a per-product discount; the Telegram card list as it is (edited in the bot).
// The same services as /v1/admin/price-plans and the bot's price-plan screens.
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { AppContext } from '#src/context.ts';
import { readCardList } from '#src/domain/pricing/card-list.ts';
import { assignPricePlan, createPricePlan, getProduct, listPricePlans, setProductDiscount } from '#src/domain/pricing/pricing.ts';
import { money } from '#src/shared/money.ts';
import { DomainError } from '#src/shared/errors.ts';
import type { WebEnv } from './env.ts';
import { formOf } from './forms.ts';
import { accountOf, requireKind, webActor } from './guards.ts';
import { csrfField, pageRenderer, showMoney, table } from './html.ts';

const NOTICES: Record<string, string> = { created: 'Price plan created.', assigned: 'Default plan set.', discount: 'Discount saved.' };
const Bps = z.coerce.number().int().min(-9999).max(9999);
const percent = (bps: number) => `${(bps / 100).toFixed(2)} %`;

export function adminPricingRoutes(ctx: AppContext) {
  const app = new Hono<WebEnv>();
  app.use('*', requireKind('admin'));
  const actorOf = (c: Context<WebEnv>) => webActor(accountOf(c).accountId);
  const render = pageRenderer(NOTICES);

  app.get('/pricing', async (c) => {
    const plans = await listPricePlans(ctx.db, actorOf(c));
    const cardList = await readCardList(ctx.db);
    const products = await Promise.all(cardList.map((entry) => getProduct(ctx.db, entry.productId)));
    const face = (index: number, minor: bigint) => showMoney(money(minor, products[index]!.face_currency));
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
        </div>
        <h2>The Telegram card list</h2>
        ${table(
          'What the bot sells, in order (edit it in the bot: Admin → Card list)',
          ['#', 'Product', 'Face values'],
          cardList.map((entry, index) => [
            html`${entry.position + 1}`,
            html`${products[index]!.name} (${String(entry.productId)})`,
            html`${'denominations' in entry ? entry.denominations.map((minor) => face(index, minor)).join(', ') : `${face(index, entry.range.min)} – ${face(index, entry.range.max)}`}`,
          ]),
          'The card list is empty: the bot sells nothing yet.',
        )}`,
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

  app.post('/pricing/discount', async (c) => {
    const form = await formOf(c);
    const productId = z
      .string()
      .regex(/^\d{1,18}$/)
      .safeParse(form['productId']);
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

  return app;
}
