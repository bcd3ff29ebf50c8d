// Lint (issue 36): typescript-eslint's type-aware rules for the service, the tests and the web UI,
// React's hooks rules for the UI, and the layering of src/ (README, "How it is built") as
// eslint-plugin-boundaries element types. ESLint + typescript-eslint rather than Biome: Biome has
// no type-aware rules, and no-floating-promises / no-misused-promises are the point here.
// `npm run lint`; .ci/run runs it before the tests and fails on any finding.
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** The layers of src/, lowest first: a layer may import its own and the lower ones (README). */
export const LAYERS = [
  ['shared', 'src/shared'],
  ['config', 'src/config'],
  ['plain', 'src/{kube,git,engine}'],
  ['common', 'src/common'],
  ['base', 'src/{security,database}'],
  ['auth', 'src/auth'],
  ['audit', 'src/audit'],
  ['features', 'src/{clusters,repositories,applications,channels,events,operations,web,summaries}'],
  ['cli', 'src/cli'],
  // src/*.ts (bootstrap: main, app.module, app.factory) is above them all: nothing imports it
];

const below = (i) => LAYERS.slice(0, i + 1).map(([type]) => type);

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'ui/dist/**',
      'node_modules/**',
      'test-results/**',
      'coverage/**',
      'data/**',
      '.cache/**',
      'src/cli/api-schema.d.ts',
      'ui/src/api/schema.d.ts',
      'migrations/**',
      '**/*.js',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.test.json', './ui/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // the bugs that matter in a long-running service: a promise nobody awaits is a crash or a silent stop
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Kubernetes objects travel as raw JSON (the client library's typed models drop fields), so
      // their fields are `any` by design: every object access would be flagged
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      // an async function that does not await still turns a throw into a rejection, which callers
      // (Nest handlers, interface methods returning Promise) rely on; dropping `async` would change that
      '@typescript-eslint/require-await': 'off',
      // `Function` is what Nest, TypeORM and class-validator take for a class (metadata lookups)
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // `_x` names a value kept for its position (destructuring out, a callback's unused argument)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': LAYERS.map(([type, pattern]) => ({ type, pattern })),
      'import/resolver': { node: { extensions: ['.ts'] } },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: LAYERS.map(([type], i) => ({ from: { element: { type } }, allow: { to: { element: { types: { anyOf: below(i) } } } } })),
          message: '{{from.element.type}} must not import {{to.element.type}}: layers import downwards only (README, "How it is built")',
        },
      ],
    },
  },
  {
    // tests may use any: they read answers and objects as JSON
    files: ['test/**/*.ts', 'src/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['ui/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    // the classic two: the React Compiler's rules (refs, set-state-in-effect, immutability) judge
    // code the UI does not compile with it
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
);
