// Bundles the app into dist/chatops.mjs for hosts: one file, every dependency inlined.
//   node scripts/build.mjs [--outfile F] [--version V]
// --version stamps another version into the bundle (chatops_build_info), e.g. to rehearse a rollout.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values } = parseArgs({ options: { outfile: { type: 'string' }, version: { type: 'string' } } });
if (values.version !== undefined && !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(values.version)) {
  console.error(`--version: "${values.version}" is not a semantic version such as 0.2.0 or 0.2.0-rc.1`);
  process.exit(2);
}

/** Replaces our package.json's version (not the dependencies') as the bundle inlines it. */
const stampVersion = (version) => ({
  name: 'stamp-version',
  setup(b) {
    b.onLoad({ filter: /[\\/]package\.json$/ }, async (args) => {
      if (args.path !== path.resolve('package.json')) return undefined;
      const pkg = JSON.parse(await readFile(args.path, 'utf8'));
      return { contents: JSON.stringify({ ...pkg, version }), loader: 'json' };
    });
  },
});

await build({
  entryPoints: ['app/src/cli/production.ts'],
  outfile: values.outfile ?? 'dist/chatops.mjs',
  plugins: values.version === undefined ? [] : [stampVersion(values.version)],
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
