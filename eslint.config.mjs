// Lint: typescript-eslint's recommended rules plus the layering rule of ARCHITECTURE.md.
// A layer may import only from layers below it; `import-x/no-restricted-paths` enforces that.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// Top to bottom. Entries in the same inner array are siblings and may not import each other.
const LAYERS = [
  ['cli'],
  ['server'],
  ['api'],
  ['engine'],
  ['collection'],
  ['exec'],
  ['segment'],
  ['index', 'quantization'],
  ['filter'],
  ['storage-io', 'kernels'],
  ['native'],
  ['common'],
];

const zones = [];
LAYERS.forEach((row, level) => {
  const above = LAYERS.slice(0, level).flat();
  for (const layer of row) {
    const forbidden = [...above, ...row.filter((sibling) => sibling !== layer)];
    for (const from of forbidden) {
      zones.push({
        target: `./src/${layer}`,
        from: `./src/${from}`,
        message: `layer '${layer}' must not import from '${from}' (see ARCHITECTURE.md)`,
      });
    }
  }
});

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'native/build/**',
      'storage/**',
      'bench/results/**',
      'bench/data/**',
      '.tmp/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones }],
      'import-x/no-cycle': ['error', { maxDepth: 8 }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
