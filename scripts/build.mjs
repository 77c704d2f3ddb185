// Bundles the app into dist/chatops.mjs for hosts: one file, every dependency inlined.
import { build } from 'esbuild';

await build({
  entryPoints: ['app/src/cli/production.ts'],
  outfile: 'dist/chatops.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  legalComments: 'none',
  // some CommonJS dependencies call require(); give ESM output a real one
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'info',
});
