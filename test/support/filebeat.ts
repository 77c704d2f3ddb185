// Filebeat 7.17 as scripts/install-deps.d/filebeat.sh builds it into .cache/filebeat/, and the
// check that a rendered filebeat.yml uses only what 7.17 reads: 7.17 ignores unknown keys
// without a word (8.x's `include_matches.match` is read as no filter at all), so the keys of each
// input are compared with what 7.17's own input configs declare.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './monitoring.ts';

export const FILEBEAT_VERSION = '7.17.29';
export const FILEBEAT_BIN = join(repoRoot, '.cache/filebeat', `filebeat-${FILEBEAT_VERSION}`);

export function requireFilebeat(): string {
  if (!existsSync(FILEBEAT_BIN))
    throw new Error(`no Filebeat at ${FILEBEAT_BIN}: run "bash scripts/install-deps.d/filebeat.sh" (or scripts/install-deps.sh) first`);
  return FILEBEAT_BIN;
}

/** Settings every 7.17 input takes (libbeat's common input and processor settings). */
const COMMON_INPUT_KEYS = [
  'type',
  'id',
  'enabled',
  'fields',
  'fields_under_root',
  'processors',
  'tags',
  'index',
  'pipeline',
  'keep_null',
  'publisher_pipeline',
  'service.type',
];

/** The `config:` tags of 7.17's journald and filestream inputs (filebeat/input/{journald,filestream}/config.go). */
const INPUT_KEYS: Record<string, string[]> = {
  journald: ['paths', 'backoff', 'max_backoff', 'seek', 'cursor_seek_fallback', 'include_matches', 'save_remote_hostname'],
  filestream: [
    'paths',
    'close',
    'file_identity',
    'clean_inactive',
    'clean_removed',
    'harvester_limit',
    'ignore_older',
    'ignore_inactive',
    'prospector',
    'parsers',
    'encoding',
    'buffer_size',
    'message_max_bytes',
    'exclude_lines',
    'include_lines',
    'line_terminator',
    'backoff',
  ],
};

/** A journald match in 7.17: FIELD=value, FIELD in journald's upper-case form. */
const JOURNALD_MATCH = /^[A-Z_][A-Z0-9_]*=.+$/;

/** What 7.17 would ignore or refuse in a rendered config; empty when every key is read. */
export function filebeat717Drift(config: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const inputs = config['filebeat.inputs'];
  if (!Array.isArray(inputs)) return ['filebeat.inputs is not a list'];
  for (const [i, input] of (inputs as Record<string, unknown>[]).entries()) {
    const type = String(input.type);
    const known = INPUT_KEYS[type];
    if (!known) {
      problems.push(`input ${i}: type "${type}" is not one this config is checked for`);
      continue;
    }
    for (const key of Object.keys(input)) {
      if (!COMMON_INPUT_KEYS.includes(key) && !known.includes(key)) problems.push(`input ${i} (${type}): "${key}" is not a 7.17 ${type} setting`);
    }
    if (type === 'journald') {
      const matches = input.include_matches;
      if (!Array.isArray(matches) || matches.some((m) => typeof m !== 'string' || !JOURNALD_MATCH.test(m))) {
        problems.push(`input ${i} (journald): include_matches must be a list of FIELD=value strings in 7.17`);
      }
    }
  }
  return problems;
}
