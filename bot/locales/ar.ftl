# النصوص العربية لبوت ستيلر.
language-name = العربية

start-unknown =
    مرحبًا بك في وكالة ستيلر.
    هذا البوت مخصص للوكلاء والوكلاء الفرعيين المدعوين. للانضمام، افتح رابط الدعوة الذي وصلك من وكيلك أو منا.
help =
    تبيع وكالة ستيلر بطاقات الهدايا الرقمية لوكلائها.
    /start — القائمة الرئيسية
    /language — تغيير اللغة
    /cancel — إلغاء الخطوة الحالية
    كل ما عدا ذلك في قائمة /start: المحفظة، شحن الرصيد، شبكتك، وللمشرفين الموافقات والحسابات.
cancel-done = تم الإلغاء. لم يتغير شيء.
cancel-nothing = لا يوجد ما يمكن إلغاؤه.
web-link =
    رابط تسجيل الدخول إلى تطبيق الويب (يعمل مرة واحدة، لمدة 5 دقائق):
    { $link }
web-not-for-you = رابط تسجيل الدخول إلى تطبيق الويب مخصص للمشرفين والوكلاء.
language-choose = اختر لغتك:
language-set = تم تعيين اللغة إلى العربية.
button-stale = هذا الزر لم يعد صالحًا. يرجى فتح القائمة مرة أخرى عبر /start.
private-chat-only = أعمل في المحادثات الخاصة فقط، حتى تبقى الأموال وأكواد البطاقات بيننا: افتح { $link } للمتابعة.
error-generic = حدث خطأ ما. يرجى المحاولة مرة أخرى بعد قليل.
error-unavailable = الخدمة غير متاحة مؤقتًا. يرجى المحاولة مرة أخرى بعد دقيقة.

## البداية والقوائم
start-welcome = أهلًا بك! حسابك جاهز.
start-welcome-agent = أهلًا بك! حسابك جاهز. لشحن محفظتك، أرسل هنا صورة إثبات الدفع مع كتابة المبلغ في وصفها (مثلًا 100).
outside-message = لم أفهم ذلك. يُرجى الاختيار من القائمة.
outside-message-agent = لم أفهم ذلك. اختر من القائمة؛ وللشحن أرسل صورة إثبات الدفع مع كتابة المبلغ في وصفها.
outside-photo-sub-agent = وكيلك هو من يشحن محفظتك: لطلب رصيد استخدم «طلب رصيد» أدناه.
start-already-registered = لديك حساب بالفعل؛ لا يمكن استخدام رابط دعوة مرة أخرى.
menu-title-admin = قائمة المشرف ({ $name })
menu-title-agent = قائمة الوكيل ({ $name })
menu-title-sub-agent = قائمة الوكيل الفرعي ({ $name })
menu-title-partner = يستخدم الشركاء واجهة REST وليس هذا البوت.
menu-paused = حسابك موقوف مؤقتًا: يمكنك الاطلاع فقط دون تحريك الأموال. تواصل مع وكيلك أو معنا.
menu-wallet = 💰 المحفظة
menu-topup = ➕ شحن الرصيد
menu-network = 👥 شبكتي
menu-revenue-share = 📈 حصة الإيرادات
menu-ask-funds = 🙋 طلب رصيد
menu-pending-topups = 📥 طلبات الشحن المعلقة
menu-adjust = ✏️ إضافة / خصم
menu-invite-agent = ✉️ دعوة وكيل
menu-tree = 🌳 الحسابات
menu-audit = 📜 سجل التدقيق
menu-close-month = 📅 إقفال شهر
menu-admins = 🛡 المشرفون
button-menu = ⬅️ القائمة
button-back = ⬅️ رجوع
button-older = الأقدم ▶️
button-next = التالي ▶️
button-previous = ◀️ السابق
button-previous-month = ◀️ الشهر السابق
button-next-month = الشهر التالي ▶️
button-cancel = ✖️ إلغاء

## المحفظة
wallet-balance = رصيدك: { $balance }
wallet-transactions = 🧾 المعاملات
wallet-statement = 📄 كشف الحساب
wallet-transactions-title = أحدث المعاملات:
wallet-transactions-older = معاملات أقدم:
wallet-transactions-none = لا توجد معاملات بعد.
wallet-transaction-line = { $date } · { $kind ->
    [topup] شحن
    [manual_credit] إضافة
    [manual_debit] خصم
    [allocation] تحويل لوكيل فرعي
    [reclaim] استرداد
    [order_hold] طلب
    [order_release] إلغاء حجز طلب
    [order_settle] تسوية طلب
    [order_refund] استرداد طلب
    [revenue_share_payout] حصة الإيرادات
   *[other] أخرى
  } · { $amount }
wallet-statement-text =
    كشف حساب شهر { $month }
    الرصيد الافتتاحي: { $opening }
    الإيداعات: { $credits }
    الخصومات: { $debits }
    الطلبات: { $orders }
    حصة الإيرادات: { $revenueShare }
    الرصيد الختامي: { $closing }
wallet-statement-csv = 📄 كشف الحساب CSV
wallet-sub-agents-csv = 📄 الوكلاء الفرعيون CSV
report-statement-caption = 📄 كشف حساب شهر { $month } (CSV: الرصيد الافتتاحي وكل حركة والرصيد الختامي).
report-sub-agents-caption = 📄 طلبات وكلائك الفرعيين في { $month } مع حصة الإيرادات التي ربحتها من كل طلب (CSV).
monthly-statement =
    📄 انتهى شهر { $month }. كشف حسابك:
    الرصيد الافتتاحي: { $opening }
    الإيداعات: { $credits }
    الخصومات: { $debits }
    الطلبات: { $orders }
    حصة الإيرادات: { $revenueShare }
    الرصيد الختامي: { $closing }

## أخطاء يمكن للمستخدم التصرف بشأنها
error-account-paused = حسابك موقوف مؤقتًا، لذا لا يمكن تنفيذ ذلك الآن.
error-parent-paused = حساب وكيلك موقوف مؤقتًا، لذا لا يمكن تنفيذ ذلك الآن.
error-margin-out-of-bounds = هذا الهامش خارج الحدود التي حددها المشرفون.
error-forbidden = غير مسموح لك بتنفيذ هذا.
error-insufficient-funds = الرصيد غير كافٍ: الرصيد الحالي { $balance }.
error-not-direct-child = يمكنك التصرف فقط في وكلائك الفرعيين المباشرين.
error-topup-already-decided = تم البت في طلب الشحن هذا مسبقًا.
error-topup-via-partner = محفظتك يمولها الشريك الذي دعاك. اطلب منه الأموال.
error-fund-request-already-decided = تم البت في طلب الرصيد هذا مسبقًا.
error-invite-not-found = رابط الدعوة غير صالح. اطلب رابطًا جديدًا.
error-invite-used = تم استخدام رابط الدعوة هذا مسبقًا. اطلب رابطًا جديدًا.
error-invite-revoked = تم إلغاء رابط الدعوة هذا. اطلب رابطًا جديدًا.
error-invite-expired = انتهت صلاحية رابط الدعوة هذا. اطلب رابطًا جديدًا.
error-telegram-id-taken = حساب تيليجرام هذا مرتبط بحساب آخر بالفعل.
error-month-not-over = هذا الشهر لم ينتهِ بعد.
error-account-not-found = لا يوجد حساب بهذا المعرف.

## الخطوات
flow-expect-text = يرجى كتابة إجابتك، أو اضغط إلغاء.
flow-text-unreadable = يحتوي هذا النص على رموز لا يمكننا حفظها. يرجى كتابته مرة أخرى، أو اضغط إلغاء.
flow-expect-button = يرجى استخدام الأزرار أعلاه، أو /cancel.
flow-amount-invalid = هذا ليس مبلغًا صالحًا بعملة { $currency }. اكتب رقمًا موجبًا، مثل 100 أو 99.50.

## شحن الرصيد
topup-ask-amount = كم تريد أن تشحن، بعملة { $currency }؟
topup-photo-ask-amount = 📷 هل تريد بدء شحن بهذه الصورة كإثبات؟ اكتب المبلغ بعملة { $currency }، أو اضغط إلغاء.
topup-ask-proof = أرسل إثبات الدفع: صورة الإيصال، أو مرجع الدفع كنص.
topup-summary =
    طلب شحن
    المبلغ: { $amount }
    الإثبات: { $proof }
    هل تريد إرساله إلى المشرفين؟
topup-send = ✅ إرسال
topup-sent = تم إرسال طلب الشحن بمبلغ { $amount }. سيتم إبلاغك عند البت فيه.
topup-admin-request =
    طلب شحن من { $name }
    المبلغ: { $amount }
    الإثبات: { $proof }{ $duplicate ->
        [yes] {"\u000A"}⚠️ استُخدم الإثبات نفسه في طلب سابق.
       *[no] {""}
    }
topup-approve = ✅ موافقة
topup-reject = ❌ رفض
topup-ask-reason = ما سبب الرفض؟ سيقرأ الوكيل السبب.
topup-rejected = تم رفض طلب الشحن بمبلغ { $amount }. السبب: { $reason }
topup-rejected-admin = تم رفض الشحن بمبلغ { $amount } وإبلاغ الوكيل.
topup-approved = تمت الموافقة على شحن { $amount }. رصيدك: { $balance }
topup-approved-admin = تمت الموافقة على الشحن بمبلغ { $amount } وإبلاغ الوكيل.
topup-pending-title = طلبات الشحن المعلقة (الأقدم أولًا):
topup-pending-none = لا توجد طلبات شحن معلقة.
button-confirm = ✅ تأكيد

## شبكتي
network-title = وكلاؤك الفرعيون ({ $count })، المبيعات في { $month }:
network-empty = لا يوجد وكلاء فرعيون بعد. ادعُ أحدهم بالزر أدناه.
network-line = { $name } · الرصيد { $balance } · المبيعات { $sales }{ $status ->
    [paused] {" "}· ⏸ موقوف
   *[other] {""}
  }
network-invite = ✉️ دعوة وكيل فرعي
network-invite-link =
    أرسل هذا الرابط إلى وكيلك الفرعي الجديد. يعمل مرة واحدة وتنتهي صلاحيته خلال 7 أيام:
    { $link }
network-sub-agent =
    { $name }
    الرصيد: { $balance }
    الحالة: { $status ->
        [paused] ⏸ موقوف
       *[other] ✅ نشط
    }
network-allocate = ➡️ تحويل رصيد
network-reclaim = ⬅️ استرداد رصيد
network-pause = ⏸ إيقاف
network-resume = ▶️ استئناف
network-paused = تم الإيقاف.
network-resumed = تم الاستئناف.
network-allocate-amount = كم تريد أن تحوّل، بعملة { $currency }؟
network-reclaim-amount = كم تريد أن تسترد، بعملة { $currency }؟
network-allocate-confirm = تحويل { $amount } إلى { $name }؟
network-reclaim-confirm = استرداد { $amount } من { $name }؟
network-allocated =
    تم تحويل { $amount } إلى { $name }.
    رصيدك: { $own }
    { $name }: { $child }
network-reclaimed =
    تم استرداد { $amount } من { $name }.
    رصيدك: { $own }
    { $name }: { $child }
revenue-share =
    حصة الإيرادات
    المستحق في { $month }: { $accrued }
    المدفوع حتى الآن: { $paid }

## الرصيد بين الوكيل والوكيل الفرعي
funds-ask-amount = كم تحتاج، بعملة { $currency }؟ سيتم إرسال الطلب إلى وكيلك.
funds-asked = تم إرسال طلب بمبلغ { $amount } إلى وكيلك.
funds-request = يطلب { $name } منك مبلغ { $amount }.
funds-allocate-button = ✅ تحويل { $amount }
funds-decline-button = ❌ رفض
funds-allocated = تم تحويل { $amount }. رصيدك: { $balance }
funds-declined-agent = تم رفض طلب مبلغ { $amount }.
funds-received = وصلك مبلغ { $amount }. رصيدك: { $balance }
funds-declined = رفض وكيلك طلبك بمبلغ { $amount }.
low-balance = رصيدك منخفض: { $balance } (أقل من { $threshold }).
error-fund-request-not-found = طلب الرصيد هذا غير موجود أو غير موجّه إليك.
error-topup-not-found = طلب الشحن هذا غير موجود.
error-not-an-admin = هذا الحساب ليس مشرفًا.
error-cannot-demote-self = لا يمكنك إلغاء صلاحيات الإشراف عن نفسك.
error-reason-too-long = يجب ألا يتجاوز السبب 500 حرف.
error-proof-too-long = يجب ألا يتجاوز مرجع الدفع 500 حرف.
funds-debited = تم خصم { $amount } من محفظتك. السبب: { $reason }. رصيدك: { $balance }
revenue-share-paid = تم دفع حصتك من الإيرادات عن { $month }: { $amount }.

## المشرف
admin-tree-title = الحسابات ({ $count })، المبيعات في { $month }:
admin-tree-empty = لا توجد حسابات هنا بعد.
admin-adjust-hint = افتح حسابًا لإضافة رصيد إلى محفظته أو الخصم منها.
admin-account =
    { $name } ({ $role ->
        [agent] وكيل
        [sub_agent] وكيل فرعي
        [partner] شريك
       *[other] مشرف
    })
    الحالة: { $status ->
        [paused] ⏸ موقوف
       *[other] ✅ نشط
    }
    الرصيد: { $balance }
admin-credit = ➕ إضافة
admin-debit = ➖ خصم
admin-children = 👥 الوكلاء الفرعيون
admin-credit-amount = كم تريد أن تضيف، بعملة { $currency }؟
admin-debit-amount = كم تريد أن تخصم، بعملة { $currency }؟
admin-adjust-reason = ما السبب؟ يُحفظ في سجل التدقيق ويظهر لصاحب الحساب.
admin-credit-confirm = إضافة { $amount } إلى { $name }؟ السبب: { $reason }
admin-debit-confirm = خصم { $amount } من { $name }؟ السبب: { $reason }
admin-credited = تمت إضافة { $amount } إلى { $name }. الرصيد الآن: { $balance }
admin-debited = تم خصم { $amount } من { $name }. الرصيد الآن: { $balance }
admin-invite-link =
    أرسل هذا الرابط إلى الوكيل الجديد. يعمل مرة واحدة وتنتهي صلاحيته خلال 7 أيام:
    { $link }
admin-audit-title = سجل التدقيق (الأحدث أولًا):
admin-audit-empty = لا يوجد شيء مسجل بعد.
admin-audit-line = { $at } · { $action } · { $subject } · { $channel }
admin-close-title = حصة الإيرادات عن { $month }
admin-close-line = { $name }: { $amount }{ $paid ->
    [yes] {" "}(مدفوعة)
   *[no] {""}
  }
admin-close-nothing = لا يوجد ما يُدفع عن هذا الشهر.
admin-close-confirm = ✅ دفع هذا الشهر
admin-closed = تم إقفال { $month }: { $count } دفعة.
admin-admins-title = المشرفون:
admin-admin-line = { $name }{ $status ->
    [paused] {" "}(أُلغي الإشراف)
   *[other] {""}
  }
admin-demote = ➖ إلغاء إشراف { $name }
admin-promote = ➕ ترقية مشرف
admin-promote-ask = اكتب معرّف مستخدم تيليجرام (أرقام) للمشرف الجديد.
admin-promote-invalid = معرّف مستخدم تيليجرام أرقام فقط. حاول مرة أخرى.
admin-promoted = أصبح { $name } مشرفًا.
admin-demoted = لم يعد { $name } مشرفًا.
ledger-drift-alert =
    ⚠️ فشل فحص دفتر الحسابات: { $count } مشكلة ({ $invariants }).
    الحسابات المعنية: { $accounts }
    شغّل `steller ledger check` لمعرفة التفاصيل.
network-requests = 📥 الطلبات
network-requests-title = طلبات الرصيد (اضغط للتحويل):
network-requests-none = لا توجد طلبات رصيد مفتوحة.
funds-request-line = ✅ { $amount } · { $name }
error-no-wallet = حسابات المشرفين ليس لها محفظة.

# الطلبات
menu-order = 🛒 طلب بطاقات
menu-my-orders = 🧾 طلباتي
order-no-cards = لا توجد بطاقات معروضة للبيع الآن. يرجى المحاولة لاحقاً.
order-choose-card = أي بطاقة تريد؟
order-choose-value = { $card }: اختر القيمة.
order-ask-amount = اكتب قيمة البطاقة بعملة { $currency }، من { $min } إلى { $max }.
order-amount-invalid = يجب أن تكون القيمة مبلغاً من { $min } إلى { $max }. حاول مرة أخرى.
order-quantity-button = × { $quantity }
order-summary-short = ⚠️ الرصيد لا يكفي لهذا الطلب: يلزم { $missing } إضافية. أضف رصيدًا أو اختر عددًا أقل من البطاقات.
order-quantity-invalid = اكتب عدداً صحيحاً من 1 إلى { $max }.
order-summary =
    يرجى مراجعة طلبك:
    البطاقة: { $card } · { $face }
    الكمية: { $quantity }
    سعر البطاقة: { $unit }
    الإجمالي: { $total }
    الرصيد الحالي: { $balance }
    الرصيد بعد الطلب: { $after }
order-accepted =
    { order-accepted-title }
    ستصلك البطاقات هنا خلال لحظات.
order-accepted-title = تم قبول الطلب { $number }: { $quantity } × { $card } { $face }، { $total }.
order-queue-waiting = ⏳ { $number }: رقم { $position } في قائمة الانتظار لهذه البطاقة، جاهز خلال { $minutes } دقيقة تقريبًا.
order-queue-buying = 🛒 { $number }: جارٍ الشراء الآن؛ ستصلك البطاقات هنا خلال لحظات.
order-queue-finished = ✅ { $number }: اكتمل؛ انظر الرسائل أدناه.
order-queue-attention = ⚠️ { $number }: يستغرق وقتًا أطول من المعتاد؛ فريقنا يتابعه.
order-add-item = ➕ أضف بطاقة أخرى
order-cart-review = 🧺 مراجعة السلة ({ $count })
order-choose-another = أي بطاقة تريد إضافتها إلى السلة؟
order-cart-summary-title = يرجى مراجعة سلتك:
order-cart-line = { $position }. { $card } · { $face } × { $quantity } = { $total }
order-cart-summary-totals =
    الإجمالي: { $total }
    الرصيد الحالي: { $balance }
    الرصيد بعد الطلب: { $after }
order-cart-quantity-hint = أزرار × تغيّر البطاقة { $position }.
order-cart-accepted =
    { order-cart-accepted-title }
    ستصلك البطاقات هنا خلال لحظات، طلبًا بعد طلب.
order-cart-accepted-title = تم قبول السلة { $number }: { $count } طلبات ({ $orders })، { $total }.
order-list-title = طلباتك، الأحدث أولاً:
order-list-none = ليس لديك طلبات بعد.
order-line = { $number } · { $quantity } × { $face } · { $total } · { $status }
order-status-pending = ⏳ مقبول
order-status-placing = ⏳ قيد الإرسال
order-status-processing = ⏳ قيد التنفيذ
order-status-completed = ✅ مكتمل
order-status-partially-completed = ⚠️ تم تسليم جزء منه
order-status-failed = ❌ فشل
order-status-needs-attention = ⏳ قيد المراجعة
error-daily-limit-exceeded = هذا الطلب يتجاوز حدك اليومي. جرّب طلباً أصغر أو غداً.
error-order-limit-exceeded = هذا الطلب أكبر من أكبر طلب مسموح لحسابك. جرّب عدداً أقل من البطاقات أو قيمة أصغر.
error-invalid-risk-limits = الحد مبلغ موجب أو عدد طلبات موجب، أو - لعدم وجود حد.
error-profit-guard = لا يمكن بيع هذه البطاقة بهذا السعر الآن. يرجى التواصل معنا.
error-vendor-float-exhausted = لا يستطيع مورّدنا تنفيذ هذا الطلب الآن. لم يُخصم أي مبلغ؛ يرجى المحاولة لاحقاً.
error-sales-paused = بيع هذه البطاقة متوقف مؤقتاً الآن. لم يُخصم أي مبلغ؛ يرجى المحاولة لاحقاً.
error-invalid-sales-pause = هذا الإيقاف غير صالح (منتج أو علامة تجارية غير معروفة، أو لا يوجد سبب).
error-not-on-card-list = هذه البطاقة لم تعد معروضة للبيع.
error-denomination-out-of-range = قيمة البطاقة هذه غير متاحة.
error-product-not-found = هذه البطاقة لم تعد تباع.
error-invalid-quantity = هذه الكمية غير مسموح بها.
error-role-cannot-order = لا يمكن لحسابك طلب البطاقات.
error-order-not-needing-attention = هذا الطلب لا يحتاج إلى قرار (بعد الآن): قرّر فيه غيرك أو تقدّم. افتحه من جديد لترى حالته.
error-order-not-found = لا يوجد طلب كهذا.
order-card =
    🎁 { $number } · البطاقة { $position } من { $quantity }
    { $card } · { $face }
    الرمز: { $masked }
order-reveal = 🔓 إظهار
order-failed = ❌ فشل الطلب { $number } ({ $card } { $face }): لم تُسلَّم أي بطاقة. أُعيد { $refunded } إلى محفظتك.
order-partly-delivered = ⚠️ الطلب { $number }: سُلّمت { $delivered } من { $quantity } بطاقات. أُعيد { $refunded } عن الباقي إلى محفظتك.
order-revealed-title = 🔓 { $number } · البطاقة { $position }
order-revealed-code = الرمز: { $code }
order-revealed-pin = الرقم السري: { $pin }
order-revealed-serial = الرقم التسلسلي: { $serial }
order-revealed-expiry = تاريخ الانتهاء: { $expiry }
order-revealed-deleted = ستُحذف هذه الرسالة بعد { $seconds } ثانية.
error-card-not-found = لا توجد بطاقة كهذه في هذا الطلب.
order-card-line = البطاقة { $position }: { $masked }
order-cards-many =
    🎁 { $number } · سُلّمت { $delivered } من { $quantity } بطاقات
    { $card } · { $face }
    احصل عليها كلها في ملف CSV، أو افتح الطلب لإظهار بطاقة واحدة أو مشاركتها.
order-cards-csv = 📄 ملف البطاقات CSV
order-open = 🧾 فتح الطلب
order-cards-csv-caption = 📄 رموز هذا الطلب. احفظ الملف: ستُحذف هذه الرسالة بعد { $seconds } ثانية.
order-share = 📤 مشاركة
order-share-choose =
    📤 مشاركة البطاقة { $position } مع عميلك.
    يمكن إعادة توجيه الرسالة كما هي؛ أما الرابط فيعرض البطاقة مرة واحدة على صفحة ويب وتنتهي صلاحيته.
order-share-message = ✉️ رسالة · { $language }
order-share-link = 🔗 رابط لمرة واحدة · { $language }
order-share-sent = ✉️ الرسالة الخاصة بعميلك أدناه: أعد توجيهها إليه. أي شخص يراها يمكنه استخدام البطاقة.
order-share-link-sent = 🔗 الرابط الخاص بعميلك أدناه: أعد توجيهه. يعرض البطاقة مرة واحدة وتنتهي صلاحيته في { $expiry } UTC؛ وسنخبرك عند فتحه.
voucher-title = 🎁 بطاقة هدايا { $brand } · { $face }
voucher-code = الرمز: { $code }
voucher-pin = الرقم السري: { $pin }
voucher-serial = الرقم التسلسلي: { $serial }
voucher-expiry = صالحة حتى: { $expiry }
voucher-instructions = طريقة الاستخدام:
voucher-terms = الشروط:
claim-link-message =
    🎁 بطاقة هدايا { $brand } لك: { $face }.
    افتحها من هنا (تُعرض البطاقة مرة واحدة): { $url }
    تنتهي صلاحية الرابط في { $expiry } UTC.
card-claim-opened = 🔗 فتح عميلك رابط البطاقة { $position } من الطلب { $number } ({ $card } { $face }) في { $at } UTC.
network-orders = 🧾 الطلبات
network-margin = 💹 الهامش
margin-not-allowed = لم يسمح المشرفون للوكلاء بتحديد الهوامش بعد.
margin-by-plan = سعر خطة الأسعار
margin-ask =
    هامش { $name }: حاليًا { $now }.
    اكتب نسبة الزيادة على سعرك بالمئة من { $min } إلى { $max } (مثلًا 2.5)، أو - للعودة إلى خطة الأسعار.
margin-invalid = اكتب نسبة مئوية من { $min } إلى { $max } (مثلًا 2.5)، أو -.
margin-confirm = تحديد هامش { $name } بنسبة { $markup }% على سعرك؟ لكل بطاقة:
margin-confirm-plan = العودة إلى تسعير { $name } حسب خطة الأسعار؟ لكل بطاقة:
margin-preview-line = { $card } { $face }: تدفع { $agent } · يدفع { $sub } · تربح { $share }
margin-saved = تم الحفظ: أسعار { $name } تتبع الهامش الجديد من الطلب التالي.
risk-alert-unusual-spend =
    ⚠️ إنفاق غير معتاد: { $name } ({ $role }) أنفق { $spent } اليوم؛ متوسط يومه { $average }.
    الحساب: { $accountId }
risk-alert-refusals =
    ⚠️ { $refusals } طلبات مرفوضة خلال { $minutes } دقيقة لـ { $name } ({ $role })؛ آخر سبب: { $code }.
    الحساب: { $accountId }
risk-alert-limit-daily-spend =
    ⚠️ أنفق { $name } ({ $role }) اليوم { $used }: ‏80 % أو أكثر من حده اليومي البالغ { $max }.
    الحساب: { $accountId } · /limits { $accountId }
risk-alert-limit-daily-order-count =
    ⚠️ قدّم { $name } ({ $role }) اليوم { $used } طلبات: ‏80 % أو أكثر من حده اليومي البالغ { $max }.
    الحساب: { $accountId } · /limits { $accountId }
menu-card-list = 🗂 قائمة البطاقات
card-list-title = البطاقات التي يبيعها البوت، بهذا الترتيب:
card-list-empty = قائمة البطاقات فارغة: البوت لا يبيع شيئاً. أضف بطاقة.
card-list-line = { $position }. { $name } (#{ $id }) · { $faces }
card-list-add = ➕ إضافة بطاقة
card-list-open = 🗂 قائمة البطاقات
card-list-ask-product = اكتب رقم المنتج للبطاقة المراد إضافتها (رقمه في الكتالوج المتزامن).
card-list-product-invalid = رقم المنتج يتكون من أرقام فقط. ابدأ من جديد من قائمة البطاقات.
card-list-ask-fixed = { $name }: اكتب القيم المراد بيعها مفصولة بفواصل (مثلاً { $min }). العملة: { $currency }.
card-list-ask-range = { $name } يقبل من { $min } إلى { $max }: اكتب النطاق المراد بيعه، مثلاً 5-200، أو قيماً ثابتة مفصولة بفواصل. العملة: { $currency }.
card-list-faces-invalid = اكتب قيماً مفصولة بفواصل (10, 25) أو نطاقاً (5-200).
card-list-added = تمت إضافة { $name }. تحتوي قائمة البطاقات الآن على { $count } بطاقة.
error-card-list-changed = تغيرت قائمة البطاقات في هذه الأثناء. افتحها مرة أخرى.
error-invalid-card-list = هذا التعديل على قائمة البطاقات غير صالح (قيمة خارج نطاق المنتج، أو قيمة مكررة، أو عدد كبير من البطاقات).
daily-summary =
    📊 الملخص اليومي ليوم { $day } (UTC)
    الطلبات: { $orders } (✅ { $completed } · ⚠️ { $partial } جزئياً · ❌ { $failed } فشل · ⏳ { $open } مفتوح)
    إجمالي المبيعات: { $gmv }
    المنتهية في ذلك اليوم، تيليجرام: المبيعات { $gmvTelegram } · الإيراد { $revenueTelegram }
    المنتهية في ذلك اليوم، API: المبيعات { $gmvApi } · الإيراد { $revenueApi }
    نسبة النجاح: { $successRate } · زمن الإنجاز p50 { $p50 } ث · p99 { $p99 } ث
    التسجيلات: { $signupPartners } شركاء · { $signupAgents } وكلاء · { $signupSubAgents } وكلاء فرعيون · الطلبات الأولى: { $activations }
    الفاشلة في ذلك اليوم: { $failedFinished } { $failedIds }
    العالقة الآن (مفتوحة بعد المهلة): { $stuck } { $stuckIds }
    طلبات الشحن المعلقة الآن: { $topups }
    رصيد المورد الآن: { $vendor }
menu-price-plans = 🏷 خطط الأسعار
plans-title = خطط الأسعار (خصم من القيمة الاسمية؛ السالب = زيادة):
plans-none = لا توجد خطط أسعار بعد: الجميع يدفع القيمة الاسمية.
plan-new = ➕ خطة جديدة
plan-open = 🏷 فتح الخطة
plan-give = 🏷 خطة الأسعار
plan-detail =
    الخطة { $name }: خصم { $discount } افتراضياً
    افتراضية لـ: { $roles } · خطة خاصة لـ { $accounts } حساب
plan-product-line = المنتج #{ $product }: { $discount }
plan-set-discount = ✏️ خصم لمنتج
plan-default-agents = افتراضية للوكلاء
plan-default-subs = افتراضية للوكلاء الفرعيين
plan-role-agents = الوكلاء
plan-role-subs = الوكلاء الفرعيين
plan-role-set = أصبحت الآن الخطة الافتراضية لـ { $role }.
plan-ask-name = ما اسم الخطة الجديدة؟
plan-ask-default = الخصم الافتراضي بالنسبة المئوية (مثلاً 5 أو 2.5؛ -3 لزيادة 3%)؟
plan-percent-invalid = اكتب نسبة مئوية مثل 5 أو 2.5 أو -3.
plan-created = تم إنشاء الخطة { $name } (خصم { $discount } افتراضياً).
plan-ask-discount = اكتب رقم المنتج وخصمه بالنسبة المئوية، مثلاً 439685 4.5 (أو 439685 - لإزالته).
plan-discount-invalid = اكتب رقم منتج ونسبة مئوية، مثلاً 439685 4.5، أو 439685 - للإزالة.
plan-discount-set = المنتج #{ $product }: { $discount } في هذه الخطة.
plan-pick = أي خطة لهذا الحساب؟
plan-assigned = أصبح لدى { $name } الخطة { $plan }.
error-invalid-discount = الخصم بين -99.99% و 99.99%.
error-price-plan-not-found = لا توجد خطة أسعار كهذه.

# --- growth: re-engagement (issue 8) ---
reengagement-inactive = 👋 لم نرك منذ { $days } يوماً. بطاقات وأسعار جديدة بانتظارك: افتح القائمة بالأمر /start.
## تسجيلات الشركاء (المشرف)
menu-signups = 🆕 تسجيلات جديدة
signup-alert =
    🆕 تسجيل شريك جديد: { $company } ({ $email })
    حالة الاستخدام: { $useCase }
    الحساب: { $accountId }
signup-alert-open = 🆕 التسجيلات المعلّقة
signups-title = تسجيلات الشركاء بانتظار القرار (الأقدم أولًا):
signups-none = لا توجد تسجيلات بانتظار القرار.
signup-detail =
    { $company }
    البريد الإلكتروني: { $email }
    تاريخ التسجيل: { $day } · الحالة: { $status }
    مرحلة الانضمام: { $stage }
    حالة الاستخدام: { $useCase }
signup-stage-signed-up = تم التسجيل
signup-stage-first-test-order = أُنجز أول طلب تجريبي
signup-stage-approved = تمت الموافقة
signup-stage-first-live-order = أُنجز أول طلب فعلي
signup-stage-active = نشط
signup-approve = ✅ موافقة
signup-reject = ❌ رفض
signup-reject-why = لماذا يُرفض هذا التسجيل؟ ستتوقف مفاتيح الشريك عن العمل.
signup-reason-0 = معلومات ناقصة أو غير صحيحة
signup-reason-1 = لا يناسب منصتنا
signup-reason-2 = تسجيل مكرر أو مشبوه
signup-approved = تمت الموافقة على { $company }: يمكنه الآن إنشاء مفتاحه الفعلي.
signup-rejected = تم رفض { $company } ({ $reason })؛ أُلغيت مفاتيحه.
signup-already-decided = تم البت في هذا التسجيل من قبل.

## Operations (issue 8, ops): admin alerts and the Operations menu
vendor-low-balance-alert =
    ⚠️ رصيد المورّد منخفض (أقل من { $threshold } لكل حساب): { $accounts }
    اشحن حساب Bamboo قبل أن تفشل الطلبات.
vendor-float-low-alert =
    ⚠️ رصيد المورّد المتاح ينخفض: تبقّى { $left }، أي نحو { $hours } ساعة من المبيعات الأخيرة (التنبيه تحت { $threshold } ساعة).
    تُرفض الطلبات التي لا يغطيها الرصيد. اشحن حساب Bamboo.
vendor-breaker-open-alert =
    🔴 Bamboo يتعطل ({ $failures } طلبات فاشلة خلال { $seconds } ثانية): أُوقف إرسال الطلبات مؤقتاً وسيُعاد بعد فترة تهدئة.
vendor-breaker-closed-alert =
    🟢 Bamboo يجيب من جديد: استؤنف إرسال الطلبات.
sales-paused-alert =
    ⏸ أُوقفت المبيعات ({ $scope } { $target }) بواسطة { $by }: { $reason }
sales-resumed-alert =
    ▶️ استؤنفت المبيعات ({ $scope } { $target }) بواسطة { $by }؛ كان سبب الإيقاف: { $reason }
vendor-callback-problem-alert =
    ⚠️ رابط الإشعار لدى Bamboo يحتاج إلى مراجعة ({ $day }): { $problems }
    نفّذ: npx steller vendor notifications show
order-needs-attention-alert =
    🛑 الطلب { $number } يحتاج إلى مراجعة ({ $reason }): يبقى مال المشتري محجوزاً.
    تحقّق من الطلب لدى Bamboo، ثم قرّر: /order { $number } (أو npx steller order resolve)
ops-button = ⚙️ العمليات
ops-queues-title = الطوابير (بانتظار · قيد التنفيذ · فاشلة · أقدم مهمة منتظرة):
ops-queue-line = { $queue }: { $waiting } · { $active } · { $failed } · { $oldest }
ops-failed-title = المهام الفاشلة، الأحدث أولاً:
ops-failed-line = { $queue } { $id }: { $error }
ops-no-failed = لا توجد مهام فاشلة.
ops-retry-button = إعادة { $id }
ops-retry-all-button = إعادة الكل
ops-retried = أُعيدت { $count } مهمة.
ops-vendor-button = المورّد
ops-vendor-title = حسابات المورّد:
ops-vendor-account = #{ $id }: { $balance }{ $active }
ops-vendor-inactive = (غير نشط)
ops-vendor-unavailable = تعذّر الاتصال بالمورّد: { $error }
ops-vendor-sync = { $kind }: { $status } في { $at } ({ $counts })
ops-vendor-float = الرصيد المتاح ({ $book }): تبقّى { $left }، محجوز { $held } · نحو { $hours } ساعة من المبيعات الأخيرة
ops-breaker-closed = قاطع المورّد: مغلق (تُرسل الطلبات إلى Bamboo)
ops-breaker-open = قاطع المورّد: مفتوح حتى { $until } (الطلبات تنتظر)
ops-breaker-half-open = قاطع المورّد: نصف مفتوح (طلب اختبار واحد في كل مرة)
ops-breaker-unknown = قاطع المورّد: الحالة غير متاحة
ops-sales-button = ⏸ المبيعات
ops-sales-title = المبيعات الموقوفة (تُرفض الطلبات الجديدة؛ وتكتمل الطلبات المقبولة):
ops-sales-line = ⏸ { $scope } { $target }: { $reason } (منذ { $since })
ops-sales-none = المبيعات غير موقوفة.
ops-resume-button = ▶️ استئناف { $scope } { $target }
ops-pause-all-button = ⏸ إيقاف كل المبيعات
ops-pause-product-button = ⏸ إيقاف منتج
ops-pause-brand-button = ⏸ إيقاف علامة تجارية
ops-pause-ask-product = أرسل رقم منتج المورّد المراد إيقافه.
ops-pause-ask-brand = أرسل مفتاح العلامة التجارية المراد إيقافها.
ops-pause-ask-reason = لماذا؟ أرسل السبب (يراه المشرفون، ويُبلَّغ المشترون بأن المبيعات موقوفة).
ops-paused = تم الإيقاف: { $scope } { $target } ({ $reason }). تُرفض الطلبات الجديدة حتى الاستئناف.
ops-resumed = استؤنفت المبيعات.
ops-resume-gone = هذا الإيقاف لم يعد قائماً.
ops-vendor-error-rate = طلبات المورّد الفاشلة في الساعة الأخيرة: { $failures } من { $calls }
ops-failed-button = المهام الفاشلة
ops-attention-line = طلبات تحتاج إلى مراجعة: { $count }
ops-attention-button = تحتاج إلى مراجعة ({ $count })
ops-attention-title = طلبات تحتاج إلى مراجعة، الأقدم أولاً (افتح طلباً لتقرّر فيه):
ops-attention-order = { $number }: { $total } محجوز، { $reason }{ $problem } منذ { $since }
ops-no-attention = لا توجد طلبات تحتاج إلى مراجعة.
menu-invites = ✉️ الدعوات
limits-button = 🛡 الحدود
limits-none = لا يوجد
limits-source-account = حدوده الخاصة
limits-source-role = الحدود الافتراضية لدوره
limits-source-none = غير محددة
limits-screen =
    🛡 حدود المخاطر لـ { $name } ({ $role })، من { $source }:
    الإنفاق اليومي: { $dailySpend } (اليوم { $spent })
    الطلبات اليومية: { $dailyOrders } (اليوم { $orders })
    أكبر طلب: { $maxOrder }
limits-set = ✏️ تعيين الحدود
limits-ask =
    اكتب حدود { $name } في سطر واحد: الإنفاق اليومي، عدد الطلبات اليومية، أكبر طلب، بعملة { $currency }؛ - لعدم وجود حد.
    مثال: 500.00 40 100.00
limits-invalid = ثلاث قيم، مثل 500.00 40 100.00 (المبالغ بعملة { $currency }، - لعدم وجود حد). حاول مرة أخرى.
limits-saved = ✅ تم حفظ الحدود.
order-tools =
    🧾 { $number } · { $status }
    المشتري: { $buyer } · الإجمالي { $total } · المرجع { $reference }
    طلب المورّد { $vendorRequest } · رقم طلب المورّد { $vendorOrder } · الاستعلامات { $polls }

    { $steps }
order-tools-step = { $at }  { $what }
order-tools-refund = ↩️ استرداد / إلغاء
order-tools-retry = 🔁 أعد المحاولة الآن
order-refund-reason = لماذا تسترد { $number }؟ اكتب السبب (يُحفظ في سجل التدقيق).
order-refund-confirm =
    استرداد { $number }؟ يُسأل Bamboo أولاً: يعود المال فقط إذا أفاد بأن الطلب فشل أو لم يصله.
    السبب: { $reason }
order-refund-done = { $number }: { $outcome ->
        [failed] أُلغي، وعاد المال إلى محفظة المشتري.
        [finished] أفاد Bamboo بأنه فشل: تم الاسترداد.
        [needs_attention] لا يعرف Bamboo هذا الطلب: يحتاج إلى قرارك (افتح الطلب).
       *[other] لم يتغير ({ $outcome }): تقدّم في هذه الأثناء.
    }
order-tools-vendor-has = ✅ الطلب لدى المورّد
order-tools-vendor-lacks = ❌ الطلب ليس لدى المورّد
order-resolve-reason = { $decision ->
        [vendor_has] { $number }: الطلب لدى Bamboo، سيُستعلم عنه مجدداً ويُسلَّم.
       *[vendor_lacks] { $number }: الطلب ليس لدى Bamboo، سيُعدّ فاشلاً ويستردّ المشتري ماله.
    }
    اكتب السبب (ما قاله Bamboo؛ يُحفظ في سجل التدقيق).
order-resolve-confirm =
    القرار في { $number }: { $decision ->
        [vendor_has] الطلب لدى المورّد (استعلام من جديد).
       *[vendor_lacks] الطلب ليس لدى المورّد (فشل واسترداد).
    }
    السبب: { $reason }
order-resolve-done = { $number }: { $status ->
        [processing] عاد إلى المعالجة: يُستعلم عنه مجدداً، وتُسلَّم بطاقاته وتُسوّى كالمعتاد.
       *[failed] فشل، وعاد المال إلى محفظة المشتري.
    }
order-retried = أُعيدت المحاولة: { $outcome }
orders-found = وُجد { $count } طلبات:
invites-title = ✉️ الدعوات ({ $count })، الأحدث أولاً:
invites-empty = لا توجد دعوات بعد.
invites-line = { $id } · { $state } · { $role } · { $name } · حتى { $expires }
invite-state-pending = بانتظار الاستخدام
invite-state-redeemed = مستخدمة
invite-state-revoked = ملغاة
invite-state-expired = منتهية
invites-revoke = 🚫 إلغاء { $id }
invites-revoked = أُلغيت الدعوة { $id }.
topups-command-title = طلبات الشحن المعلّقة (وافق بـ ‎/approve <id>‎، وارفض بـ ‎/reject <id> <reason>‎):
topups-command-line = { $id } · { $amount } · { $name }
command-usage-approve = الاستخدام: ‎/approve <id>‎ (المعرّف من ‎/topups‎)
command-usage-reject = الاستخدام: ‎/reject <id> <reason>‎
command-usage-order = الاستخدام: ‎/order <number>‎، مثل ‎/order ST-000123‎ (أو مرجع أو اسم مشترٍ)
command-usage-find = الاستخدام: ‎/find <name>‎
command-usage-limits = الاستخدام: ‎/limits <account>‎ (اسم الحساب أو معرّفه)
find-none = لم يُعثر على شيء.
find-title = وُجد { $count }:
command-start = القائمة الرئيسية
command-help = المساعدة
command-cancel = الخروج من الخطوة الحالية
command-language = تغيير اللغة
command-topups = طلبات الشحن المعلّقة
command-approve = الموافقة على شحن: ‎/approve <id>‎
command-reject = رفض شحن: ‎/reject <id> <reason>‎
command-order = طلب: ‎/order <number>‎
command-find = البحث عن حساب: ‎/find <name>‎
command-limits = حدود المخاطر: ‎/limits <account>‎
network-my-invites = ✉️ دعواتي
