// Answers kept for a short time: one read per key every `keepMs`, shared by every caller asking
// meanwhile (also while it is still being read). A failed read is dropped at once, so the next
// caller asks again. For views that may be seconds old (operators' figures, a vendor's balances),
// never for what a decision about money reads.
import { RecentlyUsed } from './recently-used.ts';

export class RecentAnswers<V> {
  private readonly answers: RecentlyUsed<{ readAt: number; answer: Promise<V> }>;
  private readonly keepMs: number;

  constructor(keepMs: number, size = 100) {
    this.keepMs = keepMs;
    this.answers = new RecentlyUsed(size);
  }

  get(key: string, read: () => Promise<V>, now = Date.now()): Promise<V> {
    const kept = this.answers.get(key);
    if (kept && now - kept.readAt < this.keepMs) return kept.answer;
    const answer = read();
    const entry = { readAt: now, answer };
    this.answers.set(key, entry);
    answer.catch(() => {
      if (this.answers.get(key) === entry) this.answers.set(key, { readAt: -Infinity, answer });
    });
    return answer;
  }
}
