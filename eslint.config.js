// ESLint: type-aware rules from typescript-eslint, the layer boundaries of ARCHITECTURE.md
// (src/layers.json, which test/unit/architecture/layering.test.ts also checks, without a linter) and
// no import cycles. Formatting is prettier's (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import architecture from './src/layers.json' with { type: 'json' };

const LAYERS = architecture.layers;

const boundaries = Object.entries(LAYERS).map(([layer, allowed]) => ({
	target: `./src/${layer}`,
	from: './src',
	except: [`./${layer}`, ...allowed.map(name => `./${name}`)],
	message: `src/${layer} may import only ${[layer, ...allowed].map(name => `src/${name}`).join(', ')} (ARCHITECTURE.md)`,
}));

export default tseslint.config(
	{ ignores: ['build/**', 'node_modules/**', 'coverage/**'] },
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		files: ['**/*.ts'],
		languageOptions: {
			parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
		},
		plugins: { 'import-x': importX },
		settings: {
			'import-x/extensions': ['.ts', '.js'],
			'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
			'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
		},
		rules: {
			'@typescript-eslint/no-floating-promises': 'error',
			'@typescript-eslint/no-misused-promises': 'error',
			'@typescript-eslint/await-thenable': 'error',
			'@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
			'import-x/no-cycle': ['error', { ignoreExternal: true }],
			'import-x/no-restricted-paths': ['error', { zones: boundaries }],
			// A protocol codec matches control bytes on purpose.
			'no-control-regex': 'off',
		},
	},
	{
		files: ['src/daemon/**', 'src/server/**', 'src/supervisor/**', 'src/os/**'],
		rules: {
			// The daemon writes through its own non-blocking logger: Node's console writes synchronously.
			'no-console': 'error',
			'no-restricted-properties': [
				'error',
				{
					object: 'process',
					property: 'stdout',
					message:
						'Node writes process.stdout synchronously: the daemon writes through its logger or a private non-blocking fd',
				},
				{
					object: 'process',
					property: 'stderr',
					message: 'Node writes process.stderr synchronously: the daemon writes through its logger',
				},
			],
			'no-restricted-imports': [
				'error',
				{
					paths: [
						{
							name: 'node:child_process',
							message: 'the daemon starts children only through src/os/sys.ts (posix_spawn)',
						},
					],
				},
			],
		},
	},
	{
		files: ['**/*.js', '**/*.cjs'],
		languageOptions: {
			globals: {
				process: 'readonly',
				console: 'readonly',
				Buffer: 'readonly',
				setTimeout: 'readonly',
				clearTimeout: 'readonly',
				setInterval: 'readonly',
				clearInterval: 'readonly',
				setImmediate: 'readonly',
				URL: 'readonly',
				require: 'readonly',
				__filename: 'readonly',
				__dirname: 'readonly',
				module: 'writable',
				AbortController: 'readonly',
				AbortSignal: 'readonly',
				TextEncoder: 'readonly',
				TextDecoder: 'readonly',
				performance: 'readonly',
				queueMicrotask: 'readonly',
				structuredClone: 'readonly',
			},
		},
	},
);
