# English texts of the Steller bot.
language-name = English

start-unknown =
    Welcome to Steller Agency.
    This bot is for invited agents and sub-agents. To join, open the invite link you received from your agent or from us.
help =
    Steller Agency sells digital gift cards to its agents.
    /start — main menu
    /language — change the language
    /cancel — leave the current step
    Everything else is in the menu of /start: wallet, top-ups, your network, and for admins the approvals and accounts.
cancel-done = Cancelled. Nothing was changed.
cancel-nothing = There is nothing to cancel.
web-link =
    Your sign-in link for the web app (works once, for 5 minutes):
    { $link }
web-not-for-you = The web app's sign-in link is for admins and agents.
language-choose = Choose your language:
language-set = Language set to English.
button-stale = This button is no longer valid. Please open the menu again with /start.
private-chat-only = I work in private chats only, so that money and card codes stay between us: open { $link } to continue.
error-generic = Something went wrong. Please try again in a moment.
error-unavailable = The service is briefly unavailable. Please try again in a minute.

## Start and menus
start-welcome = Welcome! Your account is ready.
start-welcome-agent = Welcome! Your account is ready. To top up your wallet, send a photo of your payment proof here, with the amount as its caption (for example 100).
outside-message = I did not understand that. Please choose from the menu.
outside-message-agent = I did not understand that. Choose from the menu; to top up, send a photo of your payment proof with the amount as its caption.
outside-photo-sub-agent = Your agent funds your wallet: to ask for funds, use “Ask for funds” below.
start-already-registered = You already have an account; an invite link cannot be used again.
menu-title-admin = Admin menu ({ $name })
menu-title-agent = Agent menu ({ $name })
menu-title-sub-agent = Sub-agent menu ({ $name })
menu-title-partner = Partners use the REST API, not this bot.
menu-paused = Your account is paused: you can look, but not move money. Contact your agent or us.
menu-wallet = 💰 Wallet
menu-topup = ➕ Top up
menu-network = 👥 My network
menu-revenue-share = 📈 Revenue share
menu-ask-funds = 🙋 Ask for funds
menu-pending-topups = 📥 Pending top-ups
menu-adjust = ✏️ Credit / debit
menu-invite-agent = ✉️ Invite an agent
menu-tree = 🌳 Accounts
menu-audit = 📜 Audit log
menu-close-month = 📅 Close a month
menu-admins = 🛡 Admins
button-menu = ⬅️ Menu
button-back = ⬅️ Back
button-older = Older ▶️
button-next = Next ▶️
button-previous = ◀️ Previous
button-previous-month = ◀️ Previous month
button-next-month = Next month ▶️
button-cancel = ✖️ Cancel

## Wallet
wallet-balance = Your balance: { $balance }
wallet-transactions = 🧾 Transactions
wallet-statement = 📄 Statement
wallet-transactions-title = Recent transactions:
wallet-transactions-older = Older transactions:
wallet-transactions-none = No transactions yet.
wallet-transaction-line = { $date } · { $kind ->
    [topup] Top-up
    [manual_credit] Credit
    [manual_debit] Debit
    [allocation] Allocation
    [reclaim] Reclaim
    [order_hold] Order
    [order_release] Order released
    [order_settle] Order settled
    [order_refund] Order refund
    [revenue_share_payout] Revenue share
   *[other] Other
  } · { $amount }
wallet-statement-text =
    Statement for { $month }
    Opening balance: { $opening }
    Credits: { $credits }
    Debits: { $debits }
    Orders: { $orders }
    Revenue share: { $revenueShare }
    Closing balance: { $closing }
wallet-statement-csv = 📄 Statement CSV
wallet-sub-agents-csv = 📄 Sub-agents CSV
report-statement-caption = 📄 Statement for { $month } (CSV: opening balance, every movement, closing balance).
report-sub-agents-caption = 📄 Your sub-agents' orders of { $month } with the revenue share each earned you (CSV).
monthly-statement =
    📄 { $month } has ended. Your statement:
    Opening balance: { $opening }
    Credits: { $credits }
    Debits: { $debits }
    Orders: { $orders }
    Revenue share: { $revenueShare }
    Closing balance: { $closing }

## Errors the user can act on
error-account-paused = Your account is paused, so this is not possible right now.
error-parent-paused = Your agent's account is paused, so this is not possible right now.
error-margin-out-of-bounds = This margin is outside the bounds set by the admins.
error-forbidden = You are not allowed to do this.
error-insufficient-funds = Not enough funds: the balance is { $balance }.
error-not-direct-child = You can only act on your own direct sub-agents.
error-topup-already-decided = This top-up request was already decided.
error-topup-via-partner = Your wallet is funded by the partner who invited you. Ask them for funds.
error-fund-request-already-decided = This request for funds was already decided.
error-invite-not-found = This invite link is not valid. Ask for a new one.
error-invite-used = This invite link was already used. Ask for a new one.
error-invite-revoked = This invite link was revoked. Ask for a new one.
error-invite-expired = This invite link has expired. Ask for a new one.
error-telegram-id-taken = This Telegram account already belongs to another account.
error-month-not-over = This month is not over yet.
error-account-not-found = No such account.

## Flows
flow-expect-text = Please type your answer, or press Cancel.
flow-text-unreadable = That text has characters we cannot keep. Please type it again, or press Cancel.
flow-expect-button = Please use the buttons above, or /cancel.
flow-amount-invalid = That is not a valid amount in { $currency }. Type a positive number, e.g. 100 or 99.50.

## Top-up
topup-ask-amount = How much do you want to top up, in { $currency }?
topup-photo-ask-amount = 📷 Start a top-up with this as proof? Type the amount in { $currency }, or press Cancel.
topup-ask-proof = Send the payment proof: a photo of the receipt, or the payment reference as text.
topup-summary =
    Top-up request
    Amount: { $amount }
    Proof: { $proof }
    Send it to the admins?
topup-send = ✅ Send
topup-sent = Your top-up request for { $amount } was sent. You will be told when it is decided.
topup-admin-request =
    Top-up request from { $name }
    Amount: { $amount }
    Proof: { $proof }{ $duplicate ->
        [yes] {"\u000A"}⚠️ The same proof was used in an earlier request.
       *[no] {""}
    }
topup-approve = ✅ Approve
topup-reject = ❌ Reject
topup-ask-reason = Why is it rejected? The agent will read your reason.
topup-rejected = Your top-up request for { $amount } was rejected. Reason: { $reason }
topup-rejected-admin = Rejected the top-up of { $amount }; the agent was told.
topup-approved = Your top-up of { $amount } was approved. Your balance: { $balance }
topup-approved-admin = Approved the top-up of { $amount }; the agent was told.
topup-pending-title = Pending top-ups (oldest first):
topup-pending-none = No pending top-ups.
button-confirm = ✅ Confirm

## My network
network-title = Your sub-agents ({ $count }), sales in { $month }:
network-empty = No sub-agents yet. Invite one with the button below.
network-line = { $name } · balance { $balance } · sales { $sales }{ $status ->
    [paused] {" "}· ⏸ paused
   *[other] {""}
  }
network-invite = ✉️ Invite a sub-agent
network-invite-link =
    Send this link to your new sub-agent. It works once and expires in 7 days:
    { $link }
network-sub-agent =
    { $name }
    Balance: { $balance }
    Status: { $status ->
        [paused] ⏸ paused
       *[other] ✅ active
    }
network-allocate = ➡️ Allocate
network-reclaim = ⬅️ Reclaim
network-pause = ⏸ Pause
network-resume = ▶️ Resume
network-paused = Paused.
network-resumed = Resumed.
network-allocate-amount = How much do you want to give, in { $currency }?
network-reclaim-amount = How much do you want to take back, in { $currency }?
network-allocate-confirm = Give { $amount } to { $name }?
network-reclaim-confirm = Take { $amount } back from { $name }?
network-allocated =
    Gave { $amount } to { $name }.
    Your balance: { $own }
    { $name }: { $child }
network-reclaimed =
    Took { $amount } back from { $name }.
    Your balance: { $own }
    { $name }: { $child }
revenue-share =
    Revenue share
    Accrued in { $month }: { $accrued }
    Paid so far: { $paid }

## Funds between agent and sub-agent
funds-ask-amount = How much do you need, in { $currency }? Your agent will be asked.
funds-asked = Your agent was asked for { $amount }.
funds-request = { $name } asks you for { $amount }.
funds-allocate-button = ✅ Give { $amount }
funds-decline-button = ❌ Decline
funds-allocated = Gave { $amount }. Your balance: { $balance }
funds-declined-agent = Declined the request for { $amount }.
funds-received = You received { $amount }. Your balance: { $balance }
funds-declined = Your agent declined your request for { $amount }.
low-balance = Your balance is low: { $balance } (below { $threshold }).
error-fund-request-not-found = This request for funds does not exist or is not addressed to you.
error-topup-not-found = This top-up request does not exist.
error-not-an-admin = This account is not an admin.
error-cannot-demote-self = You cannot demote yourself.
error-reason-too-long = A reason has at most 500 characters.
error-proof-too-long = A payment reference has at most 500 characters.
funds-debited = { $amount } was debited from your wallet. Reason: { $reason }. Your balance: { $balance }
revenue-share-paid = Your revenue share for { $month } was paid: { $amount }.

## Admin
admin-tree-title = Accounts ({ $count }), sales in { $month }:
admin-tree-empty = No accounts here yet.
admin-adjust-hint = Open an account to credit or debit its wallet.
admin-account =
    { $name } ({ $role ->
        [agent] agent
        [sub_agent] sub-agent
        [partner] partner
       *[other] admin
    })
    Status: { $status ->
        [paused] ⏸ paused
       *[other] ✅ active
    }
    Balance: { $balance }
admin-credit = ➕ Credit
admin-debit = ➖ Debit
admin-children = 👥 Sub-agents
admin-credit-amount = How much to credit, in { $currency }?
admin-debit-amount = How much to debit, in { $currency }?
admin-adjust-reason = What is the reason? It is kept in the audit log and shown to the account.
admin-credit-confirm = Credit { $amount } to { $name }? Reason: { $reason }
admin-debit-confirm = Debit { $amount } from { $name }? Reason: { $reason }
admin-credited = Credited { $amount } to { $name }. Balance now: { $balance }
admin-debited = Debited { $amount } from { $name }. Balance now: { $balance }
admin-invite-link =
    Send this link to the new agent. It works once and expires in 7 days:
    { $link }
admin-audit-title = Audit log (newest first):
admin-audit-empty = Nothing recorded yet.
admin-audit-line = { $at } · { $action } · { $subject } · { $channel }
admin-close-title = Revenue share for { $month }
admin-close-line = { $name }: { $amount }{ $paid ->
    [yes] {" "}(paid)
   *[no] {""}
  }
admin-close-nothing = Nothing to pay for this month.
admin-close-confirm = ✅ Pay this month
admin-closed = { $month } closed: { $count } payout(s) made.
admin-admins-title = Admins:
admin-admin-line = { $name }{ $status ->
    [paused] {" "}(demoted)
   *[other] {""}
  }
admin-demote = ➖ Demote { $name }
admin-promote = ➕ Promote an admin
admin-promote-ask = Type the Telegram user id (digits) of the new admin.
admin-promote-invalid = A Telegram user id is made of digits only. Try again.
admin-promoted = { $name } is now an admin.
admin-demoted = { $name } is no longer an admin.
ledger-drift-alert =
    ⚠️ Ledger check failed: { $count } problem(s) ({ $invariants }).
    Accounts involved: { $accounts }
    Run `steller ledger check` for details.
network-requests = 📥 Requests
network-requests-title = Requests for funds (tap to give):
network-requests-none = No open requests for funds.
funds-request-line = ✅ { $amount } · { $name }
error-no-wallet = Admin accounts have no wallet.

# Ordering
menu-order = 🛒 Order cards
menu-my-orders = 🧾 My orders
order-no-cards = No cards are on sale right now. Please try again later.
order-choose-card = Which card do you want?
order-choose-value = { $card }: choose the value.
order-ask-amount = Type the card value in { $currency }, from { $min } to { $max }.
order-amount-invalid = The value must be an amount from { $min } to { $max }. Try again.
order-quantity-button = × { $quantity }
order-summary-short = ⚠️ Not enough funds for this order: { $missing } more is needed. Add funds, or choose fewer cards.
order-quantity-invalid = Type a whole number from 1 to { $max }.
order-summary =
    Please check your order:
    Card: { $card } · { $face }
    Quantity: { $quantity }
    Price per card: { $unit }
    Total: { $total }
    Balance now: { $balance }
    Balance after: { $after }
order-accepted =
    { order-accepted-title }
    Your cards arrive here in a moment.
order-accepted-title = Order { $number } accepted: { $quantity } × { $card } { $face }, { $total }.
order-queue-waiting = ⏳ { $number }: number { $position } in the queue for this card, ready in about { $minutes } min.
order-queue-buying = 🛒 { $number }: being bought now; your cards arrive here in a moment.
order-queue-finished = ✅ { $number }: finished; see the messages below.
order-queue-attention = ⚠️ { $number }: taking longer than usual; our team is on it.
order-add-item = ➕ Add another card
order-cart-review = 🧺 Review cart ({ $count })
order-choose-another = Which card do you want to add to the cart?
order-cart-summary-title = Please check your cart:
order-cart-line = { $position }. { $card } · { $face } × { $quantity } = { $total }
order-cart-summary-totals =
    Total: { $total }
    Balance now: { $balance }
    Balance after: { $after }
order-cart-quantity-hint = The × buttons change card { $position }.
order-cart-accepted =
    { order-cart-accepted-title }
    Your cards arrive here in a moment, order by order.
order-cart-accepted-title = Cart { $number } accepted: { $count } orders ({ $orders }), { $total }.
order-list-title = Your orders, newest first:
order-list-none = You have no orders yet.
order-line = { $number } · { $quantity } × { $face } · { $total } · { $status }
order-status-pending = ⏳ accepted
order-status-placing = ⏳ placing
order-status-processing = ⏳ processing
order-status-completed = ✅ completed
order-status-partially-completed = ⚠️ partly delivered
order-status-failed = ❌ failed
order-status-needs-attention = ⏳ being checked
error-daily-limit-exceeded = This order is above your daily limit. Try a smaller order or tomorrow.
error-order-limit-exceeded = This order is larger than the largest order your account may place. Try fewer cards or a smaller value.
error-invalid-risk-limits = A limit is a positive amount or number of orders, or - for none.
error-profit-guard = This card cannot be sold at this price right now. Please contact us.
error-vendor-float-exhausted = Our supplier cannot fill this order right now. No money was taken; please try again later.
error-sales-paused = Sales of this card are paused right now. No money was taken; please try again later.
error-invalid-sales-pause = This pause is not valid (an unknown product or brand, or no reason given).
error-not-on-card-list = This card is no longer on sale.
error-denomination-out-of-range = This card value is not available.
error-product-not-found = This card is no longer sold.
error-invalid-quantity = That quantity is not allowed.
error-role-cannot-order = Your account cannot order cards.
error-order-not-needing-attention = This order does not need a decision (any more): someone decided it, or it moved on. Open it again to see where it is.
error-order-not-found = No such order.
order-card =
    🎁 { $number } · card { $position } of { $quantity }
    { $card } · { $face }
    Code: { $masked }
order-reveal = 🔓 Reveal
order-failed = ❌ Order { $number } ({ $card } { $face }) failed: no card was delivered. { $refunded } went back to your wallet.
order-partly-delivered = ⚠️ Order { $number }: { $delivered } of { $quantity } cards delivered. { $refunded } for the rest went back to your wallet.
order-revealed-title = 🔓 { $number } · card { $position }
order-revealed-code = Code: { $code }
order-revealed-pin = PIN: { $pin }
order-revealed-serial = Serial: { $serial }
order-revealed-expiry = Expires: { $expiry }
order-revealed-deleted = This message is deleted in { $seconds } seconds.
error-card-not-found = This order has no such card.
order-card-line = Card { $position }: { $masked }
order-cards-many =
    🎁 { $number } · { $delivered } of { $quantity } cards delivered
    { $card } · { $face }
    Get them all as a CSV file, or open the order to reveal or share one card.
order-cards-csv = 📄 Cards CSV
order-open = 🧾 Open the order
order-cards-csv-caption = 📄 The codes of this order. Save the file: this message is deleted in { $seconds } seconds.
order-share = 📤 Share
order-share-choose =
    📤 Share card { $position } with your customer.
    A message can be forwarded as it is; a link shows the card once, on a web page, and expires.
order-share-message = ✉️ Message · { $language }
order-share-link = 🔗 One-time link · { $language }
order-share-sent = ✉️ The message for your customer is below: forward it to them. Anyone who sees it can use the card.
order-share-link-sent = 🔗 The link for your customer is below: forward it. It shows the card once and expires on { $expiry } UTC; you will be told when it is opened.
voucher-title = 🎁 { $brand } gift card · { $face }
voucher-code = Code: { $code }
voucher-pin = PIN: { $pin }
voucher-serial = Serial: { $serial }
voucher-expiry = Valid until: { $expiry }
voucher-instructions = How to redeem:
voucher-terms = Terms:
claim-link-message =
    🎁 A { $brand } gift card for you: { $face }.
    Open it here (the card is shown once): { $url }
    The link expires on { $expiry } UTC.
card-claim-opened = 🔗 Your customer opened the link of card { $position } of { $number } ({ $card } { $face }) at { $at } UTC.
network-orders = 🧾 Orders
network-margin = 💹 Margin
margin-not-allowed = The admins have not allowed agents to set margins yet.
margin-by-plan = the price plan's price
margin-ask =
    Margin of { $name }: now { $now }.
    Type a markup on your own price, in percent from { $min } to { $max } (for example 2.5), or - to use the price plan again.
margin-invalid = Type a percent from { $min } to { $max } (for example 2.5), or -.
margin-confirm = Set { $name }'s margin to { $markup }% on your price? Per card:
margin-confirm-plan = Price { $name } by the price plan again? Per card:
margin-preview-line = { $card } { $face }: you pay { $agent } · they pay { $sub } · you earn { $share }
margin-saved = Saved: { $name }'s prices follow the new margin from the next order.
risk-alert-unusual-spend =
    ⚠️ Unusual spend: { $name } ({ $role }) spent { $spent } today; its average day is { $average }.
    Account: { $accountId }
risk-alert-refusals =
    ⚠️ { $refusals } refused orders within { $minutes } minutes for { $name } ({ $role }); last reason: { $code }.
    Account: { $accountId }
risk-alert-limit-daily-spend =
    ⚠️ { $name } ({ $role }) has spent { $used } today: 80 % or more of its daily limit of { $max }.
    Account: { $accountId } · /limits { $accountId }
risk-alert-limit-daily-order-count =
    ⚠️ { $name } ({ $role }) has placed { $used } orders today: 80 % or more of its daily limit of { $max }.
    Account: { $accountId } · /limits { $accountId }
menu-card-list = 🗂 Card list
card-list-title = The cards the bot sells, in this order:
card-list-empty = The card list is empty: the bot sells nothing. Add a card.
card-list-line = { $position }. { $name } (#{ $id }) · { $faces }
card-list-add = ➕ Add a card
card-list-open = 🗂 Card list
card-list-ask-product = Type the product id of the card to add (the id in the synced catalog).
card-list-product-invalid = A product id is made of digits only. Start again from the card list.
card-list-ask-fixed = { $name }: type the values to sell, separated by commas (e.g. { $min }). Currency: { $currency }.
card-list-ask-range = { $name } takes { $min } to { $max }: type the range to sell, e.g. 5-200, or fixed values separated by commas. Currency: { $currency }.
card-list-faces-invalid = Type values separated by commas (10, 25) or a range (5-200).
card-list-added = { $name } added. The card list now has { $count } card(s).
error-card-list-changed = The card list changed in the meantime. Open it again.
error-invalid-card-list = This card list change is not valid (a value outside the product's range, a duplicate, or too many cards).
daily-summary =
    📊 Daily summary for { $day } (UTC)
    Orders: { $orders } (✅ { $completed } · ⚠️ { $partial } partly · ❌ { $failed } failed · ⏳ { $open } open)
    GMV: { $gmv }
    Finished that day, Telegram: GMV { $gmvTelegram } · revenue { $revenueTelegram }
    Finished that day, API: GMV { $gmvApi } · revenue { $revenueApi }
    Success rate: { $successRate } · time to completion p50 { $p50 } s · p99 { $p99 } s
    Signups: { $signupPartners } partners · { $signupAgents } agents · { $signupSubAgents } sub-agents · first orders: { $activations }
    Failed that day: { $failedFinished } { $failedIds }
    Stuck now (open past deadline): { $stuck } { $stuckIds }
    Pending top-ups now: { $topups }
    Vendor balance now: { $vendor }
menu-price-plans = 🏷 Price plans
plans-title = Price plans (discount off face value; negative = markup):
plans-none = No price plans yet: everyone pays face value.
plan-new = ➕ New plan
plan-open = 🏷 Open the plan
plan-give = 🏷 Price plan
plan-detail =
    Plan { $name }: { $discount } off by default
    Default for: { $roles } · own plan of { $accounts } account(s)
plan-product-line = Product #{ $product }: { $discount }
plan-set-discount = ✏️ Discount for a product
plan-default-agents = Default for agents
plan-default-subs = Default for sub-agents
plan-role-agents = agents
plan-role-subs = sub-agents
plan-role-set = Now the default plan for { $role }.
plan-ask-name = Name of the new plan?
plan-ask-default = Its default discount in percent (e.g. 5, 2.5; -3 for a 3% markup)?
plan-percent-invalid = Type a percentage such as 5, 2.5 or -3.
plan-created = Plan { $name } created ({ $discount } off by default).
plan-ask-discount = Type the product id and its discount in percent, e.g. 439685 4.5 (or 439685 - to remove it).
plan-discount-invalid = Type a product id and a percentage, e.g. 439685 4.5, or 439685 - to remove.
plan-discount-set = Product #{ $product }: { $discount } in this plan.
plan-pick = Which plan for this account?
plan-assigned = { $name } now has the plan { $plan }.
error-invalid-discount = A discount is between -99.99% and 99.99%.
error-price-plan-not-found = No such price plan.

# --- growth: re-engagement (issue 8) ---
reengagement-inactive = 👋 We have not seen you for { $days } days. New cards and prices are waiting: open the menu with /start.

## Partner signups (admin)
menu-signups = 🆕 New signups
signup-alert =
    🆕 New partner signup: { $company } ({ $email })
    Use case: { $useCase }
    Account: { $accountId }
signup-alert-open = 🆕 Pending signups
signups-title = Partner signups waiting for a decision (oldest first):
signups-none = No signups are waiting for a decision.
signup-detail =
    { $company }
    Email: { $email }
    Signed up: { $day } · status: { $status }
    Onboarding: { $stage }
    Use case: { $useCase }
signup-stage-signed-up = signed up
signup-stage-first-test-order = first test order done
signup-stage-approved = approved
signup-stage-first-live-order = first live order done
signup-stage-active = active
signup-approve = ✅ Approve
signup-reject = ❌ Reject
signup-reject-why = Why is this signup rejected? The partner's keys stop working.
signup-reason-0 = Incomplete or false information
signup-reason-1 = Not a fit for our platform
signup-reason-2 = Duplicate or suspicious signup
signup-approved = { $company } is approved: it can now create its live key.
signup-rejected = { $company } is rejected ({ $reason }); its keys are revoked.
signup-already-decided = This signup was already decided.

## Operations (issue 8, ops): admin alerts and the Operations menu
vendor-low-balance-alert =
    ⚠️ Low vendor balance (below { $threshold } each): { $accounts }
    Top up the Bamboo account before orders fail.
vendor-float-low-alert =
    ⚠️ The vendor float is running low: { $left } left, about { $hours } hours of recent sales (alert below { $threshold } h).
    Orders it cannot cover are refused. Top up the Bamboo account.
vendor-breaker-open-alert =
    🔴 Bamboo is failing ({ $failures } failed calls within { $seconds } s): placements are paused and will be retried after a cool-down.
vendor-breaker-closed-alert =
    🟢 Bamboo answers again: placements resumed.
sales-paused-alert =
    ⏸ Sales paused ({ $scope } { $target }) by { $by }: { $reason }
sales-resumed-alert =
    ▶️ Sales resumed ({ $scope } { $target }) by { $by }; the pause was: { $reason }
vendor-callback-problem-alert =
    ⚠️ Our Bamboo completion callback needs a look ({ $day }): { $problems }
    Run: npx steller vendor notifications show
order-needs-attention-alert =
    🛑 Order { $number } needs attention ({ $reason }): the buyer's money stays held.
    Check the order with Bamboo, then decide it: /order { $number } (or npx steller order resolve)
ops-button = ⚙️ Operations
ops-queues-title = Queues (waiting · active · failed · oldest waiting):
ops-queue-line = { $queue }: { $waiting } · { $active } · { $failed } · { $oldest }
ops-failed-title = Failed jobs, newest first:
ops-failed-line = { $queue } { $id }: { $error }
ops-no-failed = No failed jobs.
ops-retry-button = Retry { $id }
ops-retry-all-button = Retry all
ops-retried = Put back { $count } job(s).
ops-vendor-button = Vendor
ops-vendor-title = Vendor accounts:
ops-vendor-account = #{ $id }: { $balance }{ $active }
ops-vendor-inactive = (inactive)
ops-vendor-unavailable = The vendor could not be asked: { $error }
ops-vendor-sync = { $kind }: { $status } at { $at } ({ $counts })
ops-vendor-float = Float ({ $book }): { $left } left, { $held } held · about { $hours } h of recent sales
ops-breaker-closed = Breaker: closed (placements go to Bamboo)
ops-breaker-open = Breaker: OPEN until { $until } (placements wait)
ops-breaker-half-open = Breaker: half-open (one probe placement at a time)
ops-breaker-unknown = Breaker: state unavailable
ops-sales-button = ⏸ Sales
ops-sales-title = Sales paused (new orders refused; accepted orders finish):
ops-sales-line = ⏸ { $scope } { $target }: { $reason } (since { $since })
ops-sales-none = Sales are not paused.
ops-resume-button = ▶️ Resume { $scope } { $target }
ops-pause-all-button = ⏸ Pause all sales
ops-pause-product-button = ⏸ Pause a product
ops-pause-brand-button = ⏸ Pause a brand
ops-pause-ask-product = Send the vendor product id to pause.
ops-pause-ask-brand = Send the brand key to pause.
ops-pause-ask-reason = Why? Send the reason (admins see it, and buyers are told sales are paused).
ops-paused = Paused: { $scope } { $target } ({ $reason }). New orders are refused until you resume.
ops-resumed = Sales resumed.
ops-resume-gone = That pause is no longer open.
ops-vendor-error-rate = Failed vendor calls in the last hour: { $failures } of { $calls }
ops-failed-button = Failed jobs
ops-attention-line = Orders needing attention: { $count }
ops-attention-button = Needs attention ({ $count })
ops-attention-title = Orders needing attention, oldest first (open one to decide it):
ops-attention-order = { $number }: { $total } held, { $reason }{ $problem } since { $since }
ops-no-attention = No orders need attention.
menu-invites = ✉️ Invites
limits-button = 🛡 Limits
limits-none = none
limits-source-account = its own
limits-source-role = its role's defaults
limits-source-none = none set
limits-screen =
    🛡 Risk limits of { $name } ({ $role }), from { $source }:
    Daily spend: { $dailySpend } (today { $spent })
    Daily orders: { $dailyOrders } (today { $orders })
    Largest order: { $maxOrder }
limits-set = ✏️ Set limits
limits-ask =
    Type the limits of { $name } on one line: daily spend, daily orders, largest order, in { $currency }; - for none.
    For example: 500.00 40 100.00
limits-invalid = Three values, for example 500.00 40 100.00 (amounts in { $currency }, - for none). Try again.
limits-saved = ✅ Limits saved.
order-tools =
    🧾 { $number } · { $status }
    Buyer: { $buyer } · total { $total } · reference { $reference }
    Vendor request { $vendorRequest } · vendor order { $vendorOrder } · polls { $polls }

    { $steps }
order-tools-step = { $at }  { $what }
order-tools-refund = ↩️ Refund / cancel
order-tools-retry = 🔁 Retry now
order-refund-reason = Why refund { $number }? Type the reason (it is kept in the audit log).
order-refund-confirm =
    Refund { $number }? Bamboo is asked first: the money comes back only if it reports the order failed or never got it.
    Reason: { $reason }
order-refund-done = { $number }: { $outcome ->
        [failed] cancelled, the money is back in the buyer's wallet.
        [finished] Bamboo reported it failed: refunded.
        [needs_attention] Bamboo has no such order: it needs your decision (open the order).
       *[other] unchanged ({ $outcome }): it moved on in the meantime.
    }
order-tools-vendor-has = ✅ Vendor has it
order-tools-vendor-lacks = ❌ Vendor lacks it
order-resolve-reason = { $decision ->
        [vendor_has] { $number }: Bamboo has the order, it will be polled again and delivered.
       *[vendor_lacks] { $number }: Bamboo does not have the order, it will fail and the buyer gets the money back.
    }
    Type the reason (what Bamboo said; it is kept in the audit log).
order-resolve-confirm =
    Decide { $number }: { $decision ->
        [vendor_has] the vendor has it (poll again).
       *[vendor_lacks] the vendor lacks it (fail and refund).
    }
    Reason: { $reason }
order-resolve-done = { $number }: { $status ->
        [processing] back to processing: it is polled again, its cards delivered and settled normally.
       *[failed] failed, the money is back in the buyer's wallet.
    }
order-retried = Retried: { $outcome }
orders-found = { $count } orders found:
invites-title = ✉️ Invites ({ $count }), newest first:
invites-empty = No invites yet.
invites-line = { $id } · { $state } · { $role } · { $name } · until { $expires }
invite-state-pending = waiting
invite-state-redeemed = used
invite-state-revoked = revoked
invite-state-expired = expired
invites-revoke = 🚫 Revoke { $id }
invites-revoked = Invite { $id } revoked.
topups-command-title = Pending top-ups (approve with /approve <id>, reject with /reject <id> <reason>):
topups-command-line = { $id } · { $amount } · { $name }
command-usage-approve = Usage: /approve <id> (the id from /topups)
command-usage-reject = Usage: /reject <id> <reason>
command-usage-order = Usage: /order <number>, e.g. /order ST-000123 (or a reference or a buyer's name)
command-usage-find = Usage: /find <name>
command-usage-limits = Usage: /limits <account name or id>
find-none = Nothing found.
find-title = Found { $count }:
command-start = Main menu
command-help = Help
command-cancel = Leave the current step
command-language = Change the language
command-topups = Pending top-ups
command-approve = Approve a top-up: /approve <id>
command-reject = Reject a top-up: /reject <id> <reason>
command-order = An order: /order <number>
command-find = Find an account: /find <name>
command-limits = Risk limits: /limits <account>
network-my-invites = ✉️ My invites
