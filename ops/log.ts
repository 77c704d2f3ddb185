// Small output helpers for the operator commands: progress on stderr, results on stdout.
const bold = (s: string): string => (process.stderr.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const red = (s: string): string => (process.stderr.isTTY ? `\x1b[31m${s}\x1b[0m` : s);

export function log(message: string): void {
  process.stderr.write(`${bold('[chatops]')} ${message}\n`);
}

export function err(message: string): void {
  process.stderr.write(`${red('[chatops] error:')} ${message}\n`);
}

export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Renders rows as an aligned plain-text table with a header line. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
