// `steller catalog sync|runs` and `steller fx sync`, in-process against a test database and the
// in-process simulator (VENDOR=simulator, the default), at the real rate limits.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/main.ts';
import { createTestDatabase } from '../support/db.ts';

const { url } = await createTestDatabase();

async function steller(...args: string[]): Promise<any> {
  vi.stubEnv('DATABASE_URL', url);
  vi.stubEnv('REDIS_URL', '');
  vi.stubEnv('VENDOR', 'simulator');
  let output = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output += chunk.toString();
    return true;
  });
  try {
    await buildProgram().parseAsync(['node', 'steller', '--json', ...args]);
  } finally {
    write.mockRestore();
  }
  return JSON.parse(output);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

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
