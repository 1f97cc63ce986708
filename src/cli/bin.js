#!/usr/bin/env node
// `npx steller …`: registers tsx so the TypeScript sources run directly, then hands over to the CLI.
import { register } from 'tsx/esm/api';

if (Number(process.versions.node.split('.')[0]) < 22) {
  process.stderr.write(`steller needs Node 22 or newer (this is ${process.version}); run it with npx or npm run so the project's node@22 is used.\n`);
  process.exit(1);
}

register();
const { runCli } = await import('./main.ts');
await runCli(process.argv);
