// The app's settings flags: --config and --secrets, loaded and checked, every problem reported.
// The parser and the error type live in flags.ts (shared with the operator commands).
import { formatProblem, loadSettings, type ConfigProblem } from '../config/load.ts';
import type { Config, Secrets } from '../config/schema.ts';
import { requireFlag, type CommandIo, type FlagOptions } from './flags.ts';

// serve.ts imports these from here.
export { parseFlags, processIo, requireFlag, UsageError, type CommandIo } from './flags.ts';

export const settingsFlags = {
  config: { type: 'string' },
  secrets: { type: 'string' },
} satisfies FlagOptions;

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
    if (typeof value === 'string') {
      values.push(value);
      // A PEM key may reach a line cut or re-wrapped: each of its base64 lines is a secret too.
      if (value.includes('\n')) values.push(...value.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----')));
    } else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(secrets);
  return values;
}
