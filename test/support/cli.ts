// Runs `steller <args> --json` in-process against a test database and returns the parsed output.
import { afterEach, vi } from 'vitest';
import { buildProgram } from '../../src/cli/main.ts';

/** A `steller(...args)` bound to one database; extra environment (e.g. VENDOR) for every call. */
export function cliRunner(databaseUrl: string, env: Record<string, string> = {}) {
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  return async function steller(...args: string[]): Promise<any> {
    vi.stubEnv('DATABASE_URL', databaseUrl);
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    let output = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output += chunk.toString();
      return true;
    });
    try {
      const argv = ['node', 'steller', '--json', ...args];
      await (await buildProgram(argv)).parseAsync(argv);
    } finally {
      write.mockRestore();
    }
    return JSON.parse(output);
  };
}
