// typescript-eslint flat config: the type-checked recommended rules over src/, test/ and bench/ (npm run lint).
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // scripts/ and the config are plain JavaScript outside tsconfig.json (Prettier still checks scripts/)
  { ignores: ['dist/', 'node_modules/', 'results/', 'deploy/', 'calibrate/', 'scripts/', 'eslint.config.js'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it'] }] }],
      // A policy hook that ignores an argument names it _m: the signature is the interface's.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // String(v) of a YAML or CSV value typed unknown is the intended text (messages, cells, HTML escaping).
      '@typescript-eslint/no-base-to-string': 'off',
      // A caught value (unknown) is passed on as it came: rethrown, or rejected through a promise.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true, allowThrowingAny: true }],
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true, allowThrowingAny: true }],
      // An async function without await keeps a promise-returning API whose throws arrive as rejections.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests JSON.parse a manifest or chart spec (any) and assert on its fields: the assertions are the check.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
