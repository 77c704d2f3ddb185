// Flag parsing shared by the app's commands: clear errors that name the flag and the fix.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatProblem, loadSettings, type ConfigProblem } from '../config/load.ts';
import type { Config, Secrets } from '../config/schema.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export const settingsFlags = {
  config: { type: 'string' },
  secrets: { type: 'string' },
} satisfies NonNullable<ParseArgsConfig['options']>;

export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    // node:util's messages already name the flag ("Unknown option '--x'").
    throw new UsageError((error as Error).message);
  }
}

export function requireFlag(values: Record<string, unknown>, name: string, hint: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required: ${hint}`);
  return value;
}

export interface Settings {
  config: Config;
  secrets: Secrets;
  warnings: ConfigProblem[];
}

/** Loads both files or prints every problem and returns undefined. */
export function loadSettingsOrReport(values: Record<string, unknown>, io: CommandIo): Settings | undefined {
  const configPath = requireFlag(values, 'config', 'pass the path of config.yml, e.g. --config app/examples/config.yml');
  const secretsPath = requireFlag(values, 'secrets', 'pass the path of secrets.yml, e.g. --secrets app/examples/secrets.yml');
  const result = loadSettings({ configPath, secretsPath });
  if (!result.ok) {
    io.stderr(`chatops: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in the configuration:\n`);
    for (const problem of result.problems) io.stderr(`  ${formatProblem(problem)}\n`);
    return undefined;
  }
  for (const warning of result.warnings) io.stderr(`chatops: warning: ${formatProblem(warning)}\n`);
  return { config: result.config, secrets: result.secrets, warnings: result.warnings };
}

export function secretValues(secrets: Secrets): string[] {
  const values: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') values.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(secrets);
  return values;
}
