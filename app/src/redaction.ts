// Scrubbing of secrets from text: token shapes (Slack, GitHub, Authorization values, private
// keys) and the loaded secret values. Apart from the logger (logging.ts) so that adapters which
// only describe failures (the GitHub source) do not load the logger's Slack and ECS dependencies.

export const censor = '[REDACTED]';

/** Token shapes that must never be written, whatever field they hide in. */
const tokenPatterns: RegExp[] = [
  /xox[abposr]-[A-Za-z0-9-]+/g, // Slack tokens
  /xapp-[A-Za-z0-9-]+/g,
  /\bgh[pousr]_[A-Za-z0-9]{16,}/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\b(Bearer|token|Basic) [A-Za-z0-9._~+/=-]{8,}/g, // Authorization header values
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, // a GitHub App's key, even cut short
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces token-shaped strings and the given secret values by a marker. */
export function createScrubber(secretValues: readonly string[] = []): (line: string) => string {
  const literal = secretValues
    .filter((value) => value.length >= 4)
    .flatMap((value) => [value, JSON.stringify(value).slice(1, -1)])
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp);
  const secretPattern = literal.length > 0 ? new RegExp(literal.join('|'), 'g') : undefined;
  return (line: string) => {
    let out = secretPattern ? line.replace(secretPattern, censor) : line;
    for (const pattern of tokenPatterns) out = out.replace(pattern, censor);
    return out;
  };
}
