// Reads config.yml and secrets.yml, checks them against the schema and a few cross-field
// rules, and reports every problem at once (file, field path, what was expected).
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { validateDetailed } from 'node-cron';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, secretsSchema, type Config, type Secrets } from './schema.ts';

export interface ConfigProblem {
  file: string;
  /** dotted field path such as `schedules[0].timezone`; empty for the whole file */
  path: string;
  message: string;
}

export type LoadResult =
  | { ok: true; config: Config; secrets: Secrets; warnings: ConfigProblem[] }
  | { ok: false; problems: ConfigProblem[] };

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
    const keys = issue.keys.map((key) => `"${key}"`).join(', ');
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
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      // Only the first line and the position: the rest quotes the file, which may hold a token.
      const headline = (error.message.split('\n')[0] ?? error.code).replace(/ at line \d+, column \d+:?$/, '');
      const at = lineCounter.linePos(error.pos[0]);
      problems.push({
        file,
        path: '',
        message: `invalid YAML at line ${at.line}, column ${at.col}: ${headline}`,
      });
    }
    return undefined;
  }
  const value: unknown = document.toJS();
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

function crossCheckConfig(file: string, config: Config, problems: ConfigProblem[]): void {
  if (!config.server.tls && !config.server.insecureHttp) {
    problems.push({
      file,
      path: 'server.tls',
      message: 'is required: give { cert, key } PEM paths, or set server.insecureHttp: true for plain HTTP',
    });
  }
  if (config.server.tls) {
    checkReadableFile(file, 'server.tls.cert', config.server.tls.cert, problems);
    checkReadableFile(file, 'server.tls.key', config.server.tls.key, problems);
  }
  if (config.github.caFile) checkReadableFile(file, 'github.caFile', config.github.caFile, problems);
  if (config.slack.caFile) checkReadableFile(file, 'slack.caFile', config.slack.caFile, problems);
  if (config.elasticsearch?.caFile) {
    checkReadableFile(file, 'elasticsearch.caFile', config.elasticsearch.caFile, problems);
  }

  const scheduleNames = new Map<string, number>();
  config.schedules.forEach((schedule, index) => {
    const validation = validateDetailed(schedule.cron);
    if (!validation.valid) {
      const detail = validation.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      problems.push({
        file,
        path: `schedules[${index}].cron`,
        message: `invalid cron expression "${schedule.cron}" (${detail}); expected 5 fields "m h dom mon dow" such as "0 9 * * 1-5"`,
      });
    }
    const earlier = scheduleNames.get(schedule.name);
    if (earlier !== undefined) {
      problems.push({
        file,
        path: `schedules[${index}].name`,
        message: `"${schedule.name}" is already used by schedules[${earlier}]; names must be unique`,
      });
    } else {
      scheduleNames.set(schedule.name, index);
    }
  });

  const slackIds = new Map<string, number>();
  const logins = new Map<string, number>();
  config.users.forEach((user, index) => {
    const bySlack = slackIds.get(user.slack);
    if (bySlack !== undefined) {
      problems.push({ file, path: `users[${index}].slack`, message: `"${user.slack}" is already mapped by users[${bySlack}]` });
    } else slackIds.set(user.slack, index);
    const login = user.github.toLowerCase();
    const byLogin = logins.get(login);
    if (byLogin !== undefined) {
      problems.push({ file, path: `users[${index}].github`, message: `"${user.github}" is already mapped by users[${byLogin}]` });
    } else logins.set(login, index);
  });
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
    if (parsed.success) {
      config = parsed.data;
      crossCheckConfig(options.configPath, config, problems);
    } else {
      for (const issue of parsed.error.issues) {
        problems.push({ file: options.configPath, path: fieldPath(issue.path), message: describeIssue(issue) });
      }
    }
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
  }

  if (problems.length > 0 || !config || !secrets) return { ok: false, problems };
  return { ok: true, config, secrets, warnings: secretsWarnings(options.secretsPath) };
}
