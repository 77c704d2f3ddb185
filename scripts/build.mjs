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

// Code that `serve` never runs but that loading the bundle would run anyway, in every replica:
// - axios (under @slack/web-api) probes the global fetch, Request, Response and FormData when it
//   loads; reading any of them makes Node load and compile its own copy of undici (0.7 MB of
//   source, ~3 MB of heap) for a fetch adapter the Slack client never uses (it takes the http
//   adapter). The fetch adapter is still built on the first request that asks for it, and native
//   FormData is still recognised by its toStringTag.
// - Bolt's App requires its HTTP and Socket Mode receivers (and through them express, @slack/oauth,
//   @slack/socket-mode, ws) to build a default receiver, and its index re-exports every receiver
//   and @slack/oauth; ours is passed in, so they load on first use.
// - the Elasticsearch client requires apache-arrow for its ES|QL Arrow helpers, which we never call.
// Each rewrite must match exactly once, so an upgrade that changes these lines fails the build
// rather than silently bundling the code again.
const lazy = (binding, expression) => [`const ${binding} = ${expression};`, `const ${binding} = __lazyModule(() => ${expression});`];
const lazyExport = (name, expression) => [
  `const ${name}_1 = ${expression};\nexports.${name} = ${name}_1.default;`,
  `Object.defineProperty(exports, "${name}", { enumerable: true, get: () => ${expression}.default });`,
];
const LAZY_MODULE = 'function __lazyModule(load) { let m; return new Proxy({}, { get: (_, key) => (m ??= load())[key] }); }\n';
const DEPENDENCY_REWRITES = [
  {
    file: /[\\/]axios[\\/]dist[\\/]node[\\/]axios\.cjs$/,
    rewrites: [
      ["const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;", 'const FormDataCtor = undefined;'],
      ['\ngetFetch();\n', '\n'],
    ],
  },
  {
    file: /[\\/]@slack[\\/]bolt[\\/]dist[\\/]App\.js$/,
    append: LAZY_MODULE,
    rewrites: [
      lazy('HTTPReceiver_1', '__importDefault(require("./receivers/HTTPReceiver"))'),
      lazy('SocketModeReceiver_1', '__importDefault(require("./receivers/SocketModeReceiver"))'),
    ],
  },
  {
    file: /[\\/]@slack[\\/]bolt[\\/]dist[\\/]index\.js$/,
    append: LAZY_MODULE,
    rewrites: [
      ...['AwsLambdaReceiver', 'ExpressReceiver', 'HTTPReceiver', 'SocketModeReceiver'].map((name) =>
        lazyExport(name, `__importDefault(require("./receivers/${name}"))`),
      ),
      ['var oauth_1 = require("@slack/oauth");', 'var oauth_1 = __lazyModule(() => require("@slack/oauth"));'],
    ],
  },
  {
    file: /[\\/]@elastic[\\/]elasticsearch[\\/]lib[\\/]helpers\.js$/,
    append: LAZY_MODULE,
    rewrites: [lazy('Arrow_node_1', 'require("apache-arrow/Arrow.node")')],
  },
];
const withoutUnusedCode = {
  name: 'without-unused-dependency-code',
  setup(b) {
    for (const { file, append = '', rewrites } of DEPENDENCY_REWRITES) {
      b.onLoad({ filter: file }, async (args) => {
        let source = await readFile(args.path, 'utf8');
        for (const [from, to] of rewrites) {
          if (source.split(from).length !== 2)
            throw new Error(`${args.path}: expected one ${JSON.stringify(from)}; see DEPENDENCY_REWRITES in scripts/build.mjs`);
          source = source.replace(from, () => to);
        }
        return { contents: `${source}\n${append}`, loader: 'js' };
      });
    }
  },
};

const outfile = values.outfile ?? 'dist/chatops.mjs';
await build({
  entryPoints: ['app/src/cli/production.ts'],
  outfile,
  plugins: [withoutUnusedCode, ...(values.version === undefined ? [] : [stampVersion(values.version)])],
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
