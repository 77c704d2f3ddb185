// The one flag parser and the one user-error type of `chatops`, for the app's commands and the
// operator's (ops/). Light on purpose: operator commands load it without the app's config code.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * A mistake the user can fix (a flag, a file, an inventory): the message names the field and the
 * fix, and `chatops` exits 2 without a stack trace. `withUsage` adds the command's usage line.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly withUsage: boolean;

  constructor(message: string, options: { withUsage?: boolean } = {}) {
    super(message);
    this.withUsage = options.withUsage ?? false;
  }
}

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** Strict: unknown flags, missing values and positional arguments are usage errors. */
export function parseFlags<T extends FlagOptions>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    // node:util's messages already name the flag ("Unknown option '--x'").
    throw new UsageError((error as Error).message, { withUsage: true });
  }
}

export function requireFlag(values: Record<string, unknown>, name: string, hint: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required: ${hint}`);
  return value;
}

export function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag}: "${value}" is not a positive whole number`);
  return n;
}
