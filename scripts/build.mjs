// Bundles the app into dist/chatops.mjs for hosts: one file, every dependency inlined.
//   node scripts/build.mjs [--outfile F] [--version V]
// --version stamps another version into the bundle (chatops_build_info), e.g. to rehearse a rollout.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build, transform } from 'esbuild';

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

const outfile = values.outfile ?? 'dist/chatops.mjs';
await build({
  entryPoints: ['app/src/cli/production.ts'],
  outfile,
  plugins: values.version === undefined ? [] : [stampVersion(values.version)],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Whitespace and syntax minified, names kept: V8 holds the whole source (6.1 MB, not 9) and a line
  // table only as long as its line count; stack traces keep every function's name, and
  // dist/chatops.mjs.map maps their line 1 columns back to the sources.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  legalComments: 'none',
  // some CommonJS dependencies call require(); give ESM output a real one
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'info',
});

// V8 keeps a module's source for as long as it runs. One character past Latin-1 (a dependency's
// comment with a typographic quote or dash) makes the whole 9 MB source a two-byte string: 9 MB
// more resident in every replica. esbuild escapes non-ASCII in code but keeps it in comments, so
// those characters become '?' (one per UTF-16 unit, so the source map's columns still hold), and
// the result is checked to be the same program: both minified without comments must be equal.
const text = await readFile(outfile, 'utf8');
const ascii = text.replace(/[^\p{ASCII}]/gu, (c) => '?'.repeat(c.length));
if (ascii !== text) {
  const program = async (code) => (await transform(code, { minifyWhitespace: true, format: 'esm', target: 'node20' })).code;
  if ((await program(ascii)) !== (await program(text))) {
    console.error(`${outfile}: non-ASCII characters outside comments; the bundle would hold its source twice as large`);
    process.exit(1);
  }
  await writeFile(outfile, ascii);
}
