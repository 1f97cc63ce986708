#!/usr/bin/env node
// `npx steller …`: registers tsx so the TypeScript sources run directly, then hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./main.ts');
await runCli(process.argv);
