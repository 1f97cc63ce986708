// RecentAnswers (src/shared/recent-answers.ts): one read per key while the answer is kept, shared by
// the callers asking during the read; asked again after it expires or when the read failed.
import { describe, expect, it } from 'vitest';
import { RecentAnswers } from '../../src/shared/recent-answers.ts';

describe('RecentAnswers', () => {
  it('reads once per key while kept, shares a running read, and reads again after keepMs', async () => {
    const answers = new RecentAnswers<number>(1000);
    let reads = 0;
    const read = () => new Promise<number>((resolve) => setTimeout(() => resolve((reads += 1)), 5));
    const together = await Promise.all([answers.get('a', read, 0), answers.get('a', read, 10), answers.get('b', read, 10)]);
    expect(together).toEqual([1, 1, 2]);
    expect(await answers.get('a', read, 999)).toBe(1);
    expect(await answers.get('a', read, 1000)).toBe(3);
    expect(reads).toBe(3);
  });

  it('keeps no failed read', async () => {
    const answers = new RecentAnswers<string>(60_000);
    await expect(answers.get('k', () => Promise.reject(new Error('down')), 0)).rejects.toThrow('down');
    await Promise.resolve();
    expect(await answers.get('k', async () => 'up', 1)).toBe('up');
  });
});
