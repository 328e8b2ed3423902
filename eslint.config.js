// Type-aware lint: floating promises and unsafe any are errors in library code.
import tseslint from 'typescript-eslint';

// The PostgreSQL driver is imported by storage/postgres/ only (every other module reaches the
// database through the storage port). Repeated in each layering block below: a later block's
// no-restricted-imports replaces an earlier one's for the files it matches.
const pgOnlyInPostgres = { name: 'pg', message: 'only src/storage/postgres/ imports the PostgreSQL driver; use the storage port' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'dashboard/dist/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      'no-console': 'error',
    },
  },
  // The layering table of docs/ARCHITECTURE.md, where a path pattern can say it.
  {
    files: ['src/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'dashboard/**/*.ts'],
    ignores: ['src/storage/postgres/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [pgOnlyInPostgres] }] },
  },
  {
    files: ['src/core/**/*.ts', 'src/linalg/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [pgOnlyInPostgres], patterns: [{ group: ['../*'], message: 'core/ and linalg/ import nothing else from the project' }] }] },
  },
  {
    files: ['src/workers/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [pgOnlyInPostgres], patterns: [{ group: ['../*', '!../core'], message: 'workers/ imports only core/' }] }] },
  },
  {
    files: ['src/cli/**/*.ts', 'src/server/**/*.ts', 'src/server-dashboard/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [pgOnlyInPostgres],
          patterns: [
            {
              group: ['core', 'linalg', 'config', 'storage', 'ingest', 'text', 'encoders', 'llm', 'models', 'eval', 'engine', 'lifecycle', 'pipeline', 'workers'].flatMap((m) => [`../${m}/*`, `../../${m}/*`]),
              message: 'server/, server-dashboard/ and cli/ use the public API (src/index.ts) only',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/cli/**', 'bench/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', '**/*.contract.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-unsafe-assignment': 'off', '@typescript-eslint/no-unsafe-member-access': 'off' },
  },
);
