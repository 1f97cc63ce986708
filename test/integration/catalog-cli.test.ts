// `steller catalog sync|runs` and `steller fx sync`, in-process against a test database and the
// in-process simulator (VENDOR=simulator, the default), at the real rate limits.
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/db.ts';
import { cliRunner } from '../support/cli.ts';

const { url } = await createTestDatabase();

const steller = cliRunner(url, { REDIS_URL: '', VENDOR: 'simulator' });

describe('steller catalog and fx commands', () => {
  it('syncs the simulator catalog, lists the run, and stores FX rates', async () => {
    expect(await steller('catalog', 'runs')).toEqual([]);
    const summary = await steller('catalog', 'sync', '--mode', 'full', '--page-size', '1000');
    expect(summary).toMatchObject({ kind: 'full', pages: 3, removed: 0 });
    expect(summary.productsSeen).toBeGreaterThanOrEqual(9000);
    const [run] = await steller('catalog', 'runs', '--limit', '1');
    expect(run).toMatchObject({ id: summary.runId, kind: 'full', status: 'succeeded', pages: 3, errors: [] });
    expect((await steller('fx', 'sync')).stored).toBeGreaterThanOrEqual(10);
  });
});
