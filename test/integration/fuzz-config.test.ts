// Generated config.yml and secrets.yml files (fast-check) through the real loader, beside the
// hand-written corpus in test/fixtures/hostile/: valid files with fields replaced, removed or added,
// YAML text with hostile tokens spliced in (anchors, aliases, tags, merge keys, bad indentation)
// and raw bytes. The loader must never throw: every input is accepted or rejected with problems that
// name the field (or, for a file that is not a YAML mapping, say so), and no problem quotes a secret.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSettings, type ConfigProblem } from '../../app/src/config/load.ts';
import { repoRoot } from './app/process.ts';

const RUNS = 10_000;
const corpus = join(repoRoot, 'test/fixtures/hostile');
const validConfigText = readFileSync(join(corpus, 'valid-config.yml'), 'utf8');
const validSecretsText = readFileSync(join(corpus, 'valid-secrets.yml'), 'utf8');
const validConfig = parse(validConfigText) as Record<string, unknown>;
const validSecrets = parse(validSecretsText) as Record<string, unknown>;
const secretValues = Object.values(validSecrets).filter((v): v is string => typeof v === 'string');
/** Problems without a field path: about the file as a whole, or naming the unknown top-level key itself. */
const FILE_LEVEL = /^(invalid YAML|the file is empty|expected a YAML mapping|cannot read|mode is|unknown keys? )/;

const dir = mkdtempSync(join(tmpdir(), 'chatops-fuzz-config-'));
const configPath = join(dir, 'config.yml');
const secretsPath = join(dir, 'secrets.yml');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hostileStrings = fc.constantFrom(
  '',
  ' ',
  '0',
  '-1',
  '65536',
  '1e309',
  'NaN',
  '.inf',
  '~',
  'null',
  'true',
  'no',
  '0x1F',
  '0o777',
  '*/5 * * * *',
  '61 25 * * *',
  '* * * * * * *',
  'UTC',
  'Nowhere/Zone',
  'Europe/Berlin',
  '../../etc/passwd',
  '/dev/null',
  '/nonexistent/cert.pem',
  'file:///etc/passwd',
  'http://127.0.0.1:1/',
  'https://[::1]:0/',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'U0ALICE',
  'C0PULLREQS',
  'acme/*',
  'acme/../x',
  'xoxb-',
  'xoxp-1',
  'ghp_',
  'digest',
  'reviews',
  'debug',
  'fatal',
  '\u0000',
  '\u202e',
  '\uffff',
  '💥',
  'a'.repeat(5000),
);
const scalar = fc.oneof(
  hostileStrings,
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const key = fc.oneof(hostileStrings, fc.string({ maxLength: 12 }));
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
}));

/** Every path into a document, so a mutation can hit any field at any depth. */
function paths(node: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(node)) node.forEach((item, i) => out.push(...paths(item, [...prefix, i])));
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) out.push(...paths(v, [...prefix, k]));
  return out;
}

interface Mutation {
  at: (string | number)[];
  op: 'replace' | 'remove' | 'add';
  key: string;
  value: unknown;
}

function mutate(document: Record<string, unknown>, mutations: Mutation[]): unknown {
  let root: unknown = structuredClone(document);
  for (const m of mutations) {
    if (m.at.length === 0 && m.op === 'replace') {
      root = m.value;
      continue;
    }
    let parent: unknown = root;
    for (const step of m.at.slice(0, m.op === 'add' ? undefined : -1)) parent = (parent as Record<string | number, unknown> | undefined)?.[step];
    if (!parent || typeof parent !== 'object') continue;
    const target = parent as Record<string | number, unknown>;
    const last = m.at.at(-1);
    if (m.op === 'add')
      Object.defineProperty(target, Array.isArray(target) ? target.length : m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    else if (last === undefined) continue;
    else if (m.op === 'remove') {
      if (Array.isArray(target) && typeof last === 'number') target.splice(last, 1);
      else delete target[last];
    } else target[last] = m.value;
  }
  return root;
}

function mutatedDocument(document: Record<string, unknown>): fc.Arbitrary<string> {
  const targets = paths(document);
  const mutation = fc.record({ at: fc.constantFrom(...targets), op: fc.constantFrom('replace', 'remove', 'add'), key, value }) as fc.Arbitrary<Mutation>;
  return fc.array(mutation, { minLength: 1, maxLength: 4 }).map((mutations) => stringify(mutate(document, mutations)));
}

/** YAML text with hostile constructs spliced into a valid file at random places. */
function splicedText(text: string): fc.Arbitrary<string> {
  const token = fc.constantFrom(
    ': ',
    '- ',
    '&a ',
    '*a',
    '*undefined_anchor',
    '<<: *a',
    '!!binary ',
    '!!set ',
    '!!omap ',
    '!!js/function ',
    '!<tag:x> ',
    '? ',
    '{',
    '}',
    '[',
    ']',
    '"',
    "'",
    '\n',
    '\n  ',
    '\t',
    '#',
    '|',
    '>-',
    '%YAML 1.1\n',
    '%TAG ! tag:x:\n',
    '---\n',
    '...\n',
    ',',
    'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n',
    'server: {}\n',
    'server: {insecureHttp: true}\nserver: {}\n',
    '__proto__: {polluted: true}\n',
    '\uFEFF',
    '\u0000',
  );
  const splice = fc.record({ at: fc.nat({ max: text.length }), insert: fc.oneof(token, fc.string({ maxLength: 8 })), drop: fc.nat({ max: 6 }) });
  return fc
    .array(splice, { minLength: 1, maxLength: 5 })
    .map((splices) => splices.reduce((t, s) => `${t.slice(0, Math.min(s.at, t.length))}${s.insert}${t.slice(Math.min(s.at, t.length) + s.drop)}`, text));
}

function fileText(valid: Record<string, unknown>, text: string): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: mutatedDocument(valid), weight: 4 },
    { arbitrary: splicedText(text), weight: 4 },
    { arbitrary: value.map((v) => stringify(v)), weight: 1 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 1 },
    { arbitrary: fc.constant(text), weight: 1 },
  );
}

function explain(problems: ConfigProblem[]): string {
  return problems.map((p) => `${p.file === configPath ? 'config' : 'secrets'}: ${p.path}: ${p.message}`).join('\n');
}

describe('generated config and secrets files through the loader', () => {
  it(`never throws and names the field for each of ${RUNS} generated pairs`, async () => {
    const tally = { accepted: 0, rejected: 0, problems: 0 };
    const started = performance.now();
    // Async so the worker stays responsive between runs; the loader itself is synchronous.
    await fc.assert(
      fc.asyncProperty(fileText(validConfig, validConfigText), fileText(validSecrets, validSecretsText), async (config, secrets) => {
        writeFileSync(configPath, config);
        writeFileSync(secretsPath, secrets, { mode: 0o600 });
        const result = loadSettings({ configPath, secretsPath });
        if (result.ok) {
          tally.accepted += 1;
          return;
        }
        tally.rejected += 1;
        tally.problems += result.problems.length;
        expect(result.problems.length).toBeGreaterThan(0);
        for (const problem of result.problems) {
          expect([configPath, secretsPath]).toContain(problem.file);
          expect(problem.message.trim(), explain(result.problems)).not.toBe('');
          if (problem.path === '') expect(problem.message, explain(result.problems)).toMatch(FILE_LEVEL);
          for (const secret of secretValues) expect(problem.message, 'a problem quotes a secret').not.toContain(secret);
        }
      }),
      { numRuns: RUNS },
    );
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `\nfuzz config loader: ${RUNS} pairs in ${seconds.toFixed(1)} s: ${tally.accepted} accepted, ${tally.rejected} rejected with ${tally.problems} problems, 0 throws\n`,
    );
    expect(tally.accepted + tally.rejected).toBe(RUNS);
    // Both outcomes are exercised: the mutations are not all fatal, and not all harmless.
    expect(tally.accepted).toBeGreaterThan(RUNS / 100);
    expect(tally.rejected).toBeGreaterThan(RUNS / 2);
  }, 120_000);
});
