// Reads config.yml and secrets.yml, checks them against the schema and a few cross-field
// rules, and reports every problem at once (file, field path, what was expected).
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, secretsSchema, type Config, type Secrets } from './schema.ts';

export interface ConfigProblem {
  file: string;
  /** dotted field path such as `schedules[0].timezone`; empty for the whole file */
  path: string;
  message: string;
}

export type LoadResult = { ok: true; config: Config; secrets: Secrets; warnings: ConfigProblem[] } | { ok: false; problems: ConfigProblem[] };

export interface LoadOptions {
  configPath: string;
  secretsPath: string;
}

export function formatProblem(problem: ConfigProblem): string {
  return problem.path ? `${problem.file}: ${problem.path}: ${problem.message}` : `${problem.file}: ${problem.message}`;
}

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    return `is required (expected ${issue.expected})`;
  }
  if (issue.code === 'invalid_type') return issue.message.replace(/^Invalid input: /, '');
  if (issue.code === 'unrecognized_keys') {
    // A key that is not a plausible field name may be a pasted token: named by its position only.
    const keys = issue.keys
      .map((key) => (/^([A-Za-z_$][\w$-]{0,63})?$/.test(key) ? `"${key}"` : `(${key.length} characters, not shown: not a field name, maybe a token)`))
      .join(', ');
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}: check the spelling or remove ${issue.keys.length > 1 ? 'them' : 'it'}`;
  }
  if (issue.code === 'too_small' && issue.origin === 'string' && issue.minimum === 1) return 'must not be empty';
  return issue.message.replace(/^Invalid (input|option): /, '');
}

function readYaml(file: string, problems: ConfigProblem[]): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push({ file, path: '', message: `cannot read the file (${code}); check the path given to the flag` });
    return undefined;
  }
  const lineCounter = new LineCounter();
  // logLevel error: yaml's warnings go to process.emitWarning and quote the file's keys, which may hold a token.
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter, logLevel: 'error' });
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      // Only the first line up to its first ": " and the position: the rest quotes the file, which may hold a token.
      const headline = (error.message.split('\n')[0] ?? error.code).replace(/ at line \d+, column \d+:?$/, '').split(': ')[0];
      const at = lineCounter.linePos(error.pos[0]);
      problems.push({
        file,
        path: '',
        message: `invalid YAML at line ${at.line}, column ${at.col}: ${headline}`,
      });
    }
    return undefined;
  }
  let value: unknown;
  try {
    value = document.toJS();
  } catch (error) {
    // yaml refuses to expand an alias bomb here (its maxAliasCount), after parsing succeeded.
    if (!(error instanceof ReferenceError)) throw error;
    problems.push({ file, path: '', message: `invalid YAML: ${error.message.split(': ')[0]}; write the values out instead of repeating aliases` });
    return undefined;
  }
  if (value === null || value === undefined) {
    problems.push({ file, path: '', message: 'the file is empty; expected a YAML mapping' });
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ file, path: '', message: 'expected a YAML mapping of keys at the top level' });
    return undefined;
  }
  return value;
}

function checkReadableFile(file: string, path: string, target: string, problems: ConfigProblem[]): void {
  try {
    accessSync(target, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push({ file, path, message: `cannot read "${target}" (${code}); expected a readable PEM file` });
  }
}

type Raw = Record<string, unknown>;

function asRecord(value: unknown): Raw | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : undefined;
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Rules across fields. Run on the raw document, tolerant of its shape, so these problems
 * are reported together with the schema's instead of after the schema passes.
 */
function crossCheckConfig(file: string, raw: Raw, problems: ConfigProblem[]): void {
  const server = asRecord(raw.server) ?? {};
  const tls = asRecord(server.tls);
  if (!tls && server.insecureHttp !== true) {
    problems.push({
      file,
      path: 'server.tls',
      message: 'is required: give { cert, key } PEM paths, or set server.insecureHttp: true for plain HTTP',
    });
  }
  const files: [string, unknown][] = [
    ['server.tls.cert', tls?.cert],
    ['server.tls.key', tls?.key],
    ['github.caFile', asRecord(raw.github)?.caFile],
    ['slack.caFile', asRecord(raw.slack)?.caFile],
    ['elasticsearch.caFile', asRecord(raw.elasticsearch)?.caFile],
  ];
  for (const [path, value] of files) {
    const target = asString(value);
    if (target) checkReadableFile(file, path, target, problems);
  }

  const unique = (list: unknown, key: string, what: (value: string) => string, normalise = (v: string) => v): void => {
    if (!Array.isArray(list)) return;
    const seen = new Map<string, number>();
    list.forEach((item, index) => {
      const value = asString(asRecord(item)?.[key]);
      if (!value) return;
      const earlier = seen.get(normalise(value));
      if (earlier === undefined) seen.set(normalise(value), index);
      else problems.push({ file, path: `${what('')}[${index}].${key}`, message: what(`"${value}" is already used by ${what('')}[${earlier}]`) });
    });
  };
  unique(raw.schedules, 'name', (m) => (m ? `${m}; schedule names must be unique` : 'schedules'));
  unique(raw.users, 'slack', (m) => (m ? `${m}; map each Slack user once` : 'users'));
  unique(
    raw.users,
    'github',
    (m) => (m ? `${m}; map each GitHub login once` : 'users'),
    (v) => v.toLowerCase(),
  );
}

/** One way to reach GitHub: checked on the raw document so it is reported with the schema's problems. */
function crossCheckSecrets(file: string, raw: Raw, problems: ConfigProblem[]): void {
  const given = ['githubToken', 'githubApp'].filter((key) => raw[key] !== undefined && raw[key] !== null);
  if (given.length === 0) {
    problems.push({
      file,
      path: 'githubToken',
      message: 'is required: give githubToken (a token) or githubApp: { appId, installationId, privateKey } (a GitHub App)',
    });
  } else if (given.length === 2) {
    problems.push({ file, path: 'githubApp', message: 'give exactly one of githubToken or githubApp: remove the one not meant' });
  }
}

/** Valid but probably not meant: DM schedules with nobody to write to. */
function configWarnings(file: string, config: Config): ConfigProblem[] {
  if (config.users.length > 0) return [];
  return config.schedules.flatMap((schedule, index) =>
    schedule.kind === 'digest'
      ? []
      : [
          {
            file,
            path: `schedules[${index}].kind`,
            message: `"${schedule.kind}" sends DMs to mapped users only, and users is empty: add { slack, github, name } entries`,
          },
        ],
  );
}

function secretsWarnings(file: string): ConfigProblem[] {
  try {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      return [{ file, path: '', message: `mode is ${mode.toString(8).padStart(4, '0')}; run "chmod 600 ${file}" so only the owner can read the tokens` }];
    }
  } catch (error) {
    return [{ file, path: '', message: `cannot stat the file (${(error as NodeJS.ErrnoException).code ?? 'unknown'})` }];
  }
  return [];
}

/** Loads and validates both files. Never throws for user mistakes; never quotes secret values. */
export function loadSettings(options: LoadOptions): LoadResult {
  const problems: ConfigProblem[] = [];
  const rawConfig = readYaml(options.configPath, problems);
  const rawSecrets = readYaml(options.secretsPath, problems);

  let config: Config | undefined;
  if (rawConfig !== undefined) {
    const parsed = configSchema.safeParse(rawConfig);
    if (parsed.success) config = parsed.data;
    else {
      for (const issue of parsed.error.issues) {
        problems.push({ file: options.configPath, path: fieldPath(issue.path), message: describeIssue(issue) });
      }
    }
    crossCheckConfig(options.configPath, rawConfig as Raw, problems);
  }

  let secrets: Secrets | undefined;
  if (rawSecrets !== undefined) {
    const parsed = secretsSchema.safeParse(rawSecrets);
    if (parsed.success) secrets = parsed.data;
    else {
      for (const issue of parsed.error.issues) {
        problems.push({ file: options.secretsPath, path: fieldPath(issue.path), message: describeIssue(issue) });
      }
    }
    crossCheckSecrets(options.secretsPath, rawSecrets as Raw, problems);
  }

  if (problems.length > 0 || !config || !secrets) return { ok: false, problems };
  return { ok: true, config, secrets, warnings: [...configWarnings(options.configPath, config), ...secretsWarnings(options.secretsPath)] };
}
