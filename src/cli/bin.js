#!/usr/bin/env node
// `npx steller …`: runs the TypeScript sources directly with Node's own type stripping (Node 22.18
// and later; our code uses only erasable syntax, tsconfig `erasableSyntaxOnly`), or through tsx on
// an older Node 22. Then hands over to the CLI.
if (Number(process.versions.node.split('.')[0]) < 22) {
  process.stderr.write(`steller needs Node 22 or newer (this is ${process.version}); run it with npx or npm run so the project's node@22 is used.\n`);
  process.exit(1);
}

if (!process.features.typescript) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { runCli } = await import('./main.ts');
await runCli(process.argv);
