// The two-team config.yml of docs/app.md, loaded with the app's own loader: the documented example
// must stay a config the app accepts, with the meaning the page gives it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProblem, loadSettings } from '../../../app/src/config/load.ts';
import { mergeFilters, scheduleScope } from '../../../app/src/core/audience.ts';

const DOC = path.resolve(import.meta.dirname, '../../../docs/app.md');
const HEADING = '### Two teams in one config.yml';
const dir = mkdtempSync(path.join(tmpdir(), 'chatops-docs-example-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first ```yaml block after the heading. */
function documentedYaml(): string {
  const text = readFileSync(DOC, 'utf8');
  const start = text.indexOf(HEADING);
  expect(start, `docs/app.md has the section "${HEADING}"`).toBeGreaterThan(-1);
  const block = /```yaml\n([\s\S]*?)```/.exec(text.slice(start));
  expect(block, 'a yaml block under the heading').not.toBeNull();
  return block?.[1] ?? '';
}

function load(configText: string) {
  const configPath = path.join(dir, 'config.yml');
  const secretsPath = path.join(dir, 'secrets.yml');
  // The page leaves `server:` to app/examples/config.yml; TLS files are read at load, so plain HTTP here.
  writeFileSync(configPath, `server: { insecureHttp: true, port: 0 }\n${configText}`);
  writeFileSync(secretsPath, 'githubToken: ghp_example0123456789\nslackBotToken: xoxb-1-2-example\nslackSigningSecret: 8f742231b10e8888abcd\n', {
    mode: 0o600,
  });
  return loadSettings({ configPath, secretsPath });
}

describe('the two-team example of docs/app.md', () => {
  it('loads with the app config loader, each team with its own channel, repositories, filters and audience', () => {
    const result = load(documentedYaml());
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    const { config } = result;
    expect(result.warnings).toEqual([]);
    const [platform, web] = config.schedules;
    expect(config.schedules.map((s) => [s.name, s.kind, s.channel, s.cron, s.timezone])).toEqual([
      ['platform-digest', 'digest', 'C0PLATFORM', '30 9 * * 1-5', 'Europe/Berlin'],
      ['web-digest', 'digest', 'C0WEB', '30 9 * * 1-5', 'Europe/Berlin'],
    ]);
    expect([platform?.team, platform?.members, web?.team, web?.members]).toEqual(['acme/platform', undefined, undefined, ['carol', 'dave']]);
    if (!platform || !web) throw new Error('two schedules expected');
    expect(scheduleScope(platform, config.github)).toEqual({ patterns: ['acme/api', 'acme/infra-*'], exclude: ['acme/sandbox-*'] });
    expect(scheduleScope(web, config.github)).toEqual({ patterns: ['acme/web', 'acme/design-system'], exclude: [] });
    const platformFilters = mergeFilters(config.filters, platform.filters);
    expect([platformFilters.staleAfterDays, platformFilters.approvalsRequired, platformFilters.includeDrafts]).toEqual([5, 2, true]);
    const webFilters = mergeFilters(config.filters, web.filters);
    expect([webFilters.staleAfterDays, webFilters.includeDrafts, webFilters.labels]).toEqual([14, false, { include: [], exclude: ['wip'] }]);
  });

  it('is what the loader checks: the same block with both team and members is refused, naming the field', () => {
    const broken = documentedYaml().replace('members: [carol, dave]', 'members: [carol, dave]\n    team: acme/web');
    const result = load(broken);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(formatProblem).join('\n')).toMatch(/schedules\[1\]\.members.*give either team or members, not both/);
  });
});
