// Lint rules. The layering rules are the important part: src/ is the domain core and must not
// depend on the Telegram or HTTP adapters (only src/main.ts, the composition root, wires them).
// Import patterns are gitignore-style: a leading '#' starts a comment there, so our `#src/…`
// aliases are written '\\#src/…'.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

const adapterLibraries = [
  { group: ['grammy', 'grammy/*', '@grammyjs/*'], message: 'src/ is the domain core: grammY belongs in bot/.' },
  { group: ['hono', 'hono/*', '@hono/*'], message: 'src/ is the domain core: Hono belongs in api/.' },
];
const adapterFolders = [{ group: ['\\#bot/*', '\\#api/*', '**/bot/*', '**/api/*'], message: 'Only src/main.ts may import bot/ or api/.' }];
// Callback data is declared once per button (bot/callback-data.ts, `<feature>.callbacks.ts`):
// no handler or keyboard in bot/ spells the data out itself.
const literalCallbackData = [
  {
    selector: 'CallExpression[callee.property.name=/^(callbackQuery|waitForCallbackQuery)$/][arguments.0.type=/^(Literal|TemplateLiteral|NewExpression)$/]',
    message: 'Match a declared callback: `<feature>Callbacks.<button>.pattern` (bot/callback-data.ts).',
  },
  {
    selector: "CallExpression[callee.property.name='text'][arguments.length=2][arguments.1.type=/^(Literal|TemplateLiteral)$/]",
    message: "A button's data comes from its declaration: `<feature>Callbacks.<button>.build(…)`.",
  },
  {
    selector: "Property[key.name='callbackData'][value.type=/^(Literal|TemplateLiteral)$/]",
    message: "A button's data comes from its declaration: `<feature>Callbacks.<button>.build(…)`.",
  },
];
// The domain sends work through queue contracts and never reaches outwards: src/jobs binds the
// contracts to domain functions, notifications and ops views are built on the domain, and the root
// and the CLI wire it. `up` is the relative way from a domain file to src/ ('..' or '../..').
const outerLayers = (up) => [
  {
    group: [`${up}/jobs/*`, '\\#src/jobs/*'],
    message: 'The domain never imports jobs: enqueue a queue contract (e.g. src/domain/orders/queues.ts) with ctx.jobs.',
  },
  { group: [`${up}/notifications/*`, '\\#src/notifications/*'], message: 'The domain never imports notifications.' },
  { group: [`${up}/ops/*`, '\\#src/ops/*'], message: 'The domain never imports src/ops (operations views).' },
  { group: [`${up}/main.ts`, `${up}/cli/*`, '\\#src/main.ts', '\\#src/cli/*'], message: 'The domain never imports the composition root or the CLI.' },
];
// The adapters reach the job system only through queue contracts and ctx.jobs; the root passes the
// list of queues to what shows them (the Operations screens and routes).
const jobSystem = [
  {
    group: ['\\#src/jobs/*', '**/src/jobs/*'],
    message: 'Adapters never import the job system (handlers, the queue list): use a queue contract, a domain function, or what the root passes in.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  // No import cycles: a module that imports a module leading back to itself means the code sits in
  // the wrong room. Type-only imports are erased at run time and do not count. Node's own
  // resolution (with the package.json `imports` aliases) finds our files: we import them by their
  // `.ts` name.
  {
    plugins: { 'import-x': importX },
    settings: {
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [...adapterLibraries, ...adapterFolders] }] },
  },
  {
    files: ['src/domain/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [...adapterLibraries, ...adapterFolders, ...outerLayers('..')] }] },
  },
  {
    files: ['src/domain/*/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [...adapterLibraries, ...adapterFolders, ...outerLayers('../..')] }] },
  },
  {
    files: ['bot/**/*.ts', 'api/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: jobSystem }] },
  },
  {
    files: ['bot/**/*.ts'],
    ignores: ['bot/callback-data.ts', 'bot/**/*.callbacks.ts'],
    rules: { 'no-restricted-syntax': ['error', ...literalCallbackData] },
  },
  {
    files: ['src/main.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: adapterLibraries }] },
  },
  {
    files: ['migrations/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['\\#src/*', '**/src/*'], message: 'Migrations are frozen in time: never import app code.' }] },
      ],
    },
  },
);
