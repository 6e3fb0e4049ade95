import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', 'bench/tmp/', '**/*.js', '**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read the environment only in bin/ and lambda/shared/env.ts.',
        },
      ],
    },
  },
  {
    files: ['bin/**/*.ts', 'lambda/shared/env.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Synthesized CloudFormation templates are untyped JSON: tests read them as such.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/lambda/**', '**/test/**', '**/scripts/**'],
              message: 'Infrastructure names handler files by path; it never imports runtime code.',
            },
          ],
        },
      ],
    },
  },
  {
    // The contract is shared by the stacks, the handlers, the tools and the tests: it depends on
    // none of them, only on zod and itself.
    files: ['contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../*',
                '**/lib/**',
                '**/lambda/**',
                '**/scripts/**',
                '**/test/**',
                'aws-cdk-lib',
                'aws-cdk-lib/*',
                'constructs',
                '@aws-sdk/*',
              ],
              message: 'The contract imports only zod and its own files.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['lambda/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'aws-cdk-lib',
                'aws-cdk-lib/*',
                'constructs',
                '**/lib/**',
                '**/test/**',
                '**/scripts/**',
              ],
              message: 'Runtime code never imports infrastructure or test code.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['lambda/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', 'pg', 'ioredis', '**/adapters/**', '**/handlers/**'],
              message: 'Domain logic stays free of the AWS SDK and adapters.',
            },
          ],
        },
      ],
    },
  },
);
