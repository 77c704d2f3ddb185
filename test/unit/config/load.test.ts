import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProblem, loadSettings } from '../../../app/src/config/load.ts';
import { githubAuthOf } from '../../../app/src/config/schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'chatops-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function write(text: string, mode = 0o600): string {
  const file = join(dir, `f${counter++}.yml`);
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

const validConfig = `
server: { insecureHttp: true, port: 0 }
github:
  repositories: [acme/api, "acme/*"]
users:
  - { slack: U0ALICE, github: alice, name: Alice }
schedules:
  - { name: morning, channel: C0TEAM, cron: "0 9 * * 1-5", timezone: Europe/Berlin, kind: digest }
`;
const validSecrets = `
githubToken: ghp_example0123456789
slackBotToken: xoxb-1-2-example
slackSigningSecret: 8f742231b10e8888abcd99yyyzzz85a5
`;

describe('loadSettings', () => {
  it('loads valid files and fills defaults', () => {
    const result = loadSettings({ configPath: write(validConfig), secretsPath: write(validSecrets) });
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.config.github.baseUrl).toBe('https://api.github.com');
    expect(result.config.filters.staleAfterDays).toBe(14);
    expect(result.config.schedules[0]?.timezone).toBe('Europe/Berlin');
    expect(result.warnings).toEqual([]);
  });

  it('reports every problem at once with file, field path and what was expected', () => {
    const configPath = write(`
server: { port: "eighty" }
github:
  repositories: [acme]
  concurrncy: 3
users:
  - { slack: alice, github: alice, name: Alice }
schedules:
  - { name: Morning, channel: C0TEAM, cron: "0 9 * * 1-5", timezone: Mars/Olympus, kind: weekly }
  - { name: ok, channel: C0TEAM, cron: "61 9 * * *", timezone: UTC, kind: digest }
  - { name: ok, channel: C0TEAM, cron: "0 9 * * *", timezone: UTC, kind: digest }
`);
    const secretsPath = write('githubToken: ""\nslackBotToken: not-a-token\n');
    const result = loadSettings({ configPath, secretsPath });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(formatProblem)).toEqual([
      `${configPath}: server.port: expected number, received string`,
      `${configPath}: github.repositories[0]: expected "owner/repo" or "owner/*"`,
      `${configPath}: github: unknown key "concurrncy": check the spelling or remove it`,
      `${configPath}: users[0].slack: expected a Slack user id such as "U012ABCDEF"`,
      `${configPath}: schedules[0].name: expected a lower-case name of letters, digits, "-" and "_"`,
      `${configPath}: schedules[0].timezone: expected an IANA time zone such as "Europe/Berlin" or "UTC"`,
      `${configPath}: schedules[0].kind: expected one of "digest"|"personal"|"reviews"`,
      `${configPath}: schedules[1].cron: invalid cron expression "61 9 * * *" (minute: 61 is a invalid expression for minute); expected 5 fields "m h dom mon dow" such as "0 9 * * 1-5"`,
      `${configPath}: server.tls: is required: give { cert, key } PEM paths, or set server.insecureHttp: true for plain HTTP`,
      `${configPath}: schedules[2].name: "ok" is already used by schedules[1]; schedule names must be unique`,
      `${secretsPath}: githubToken: must not be empty`,
      `${secretsPath}: slackBotToken: expected a Slack bot token starting with "xoxb-"`,
      `${secretsPath}: slackSigningSecret: is required (expected string)`,
    ]);
  });

  it('checks cron expressions, unique names, and TLS or explicit plain HTTP', () => {
    const configPath = write(`
github: { repositories: [acme/api] }
users:
  - { slack: U0A, github: Alice, name: A }
  - { slack: U0B, github: alice, name: B }
schedules:
  - { name: a, channel: C1, cron: "61 9 * * *", timezone: UTC, kind: digest }
  - { name: a, channel: C1, cron: "0 9 * * *", timezone: UTC, kind: digest }
`);
    const result = loadSettings({ configPath, secretsPath: write(validSecrets) });
    if (result.ok) throw new Error('expected problems');
    expect(result.problems.map(formatProblem)).toEqual([
      expect.stringMatching(/: schedules\[0\]\.cron: invalid cron expression "61 9 \* \* \*" \(.+\); expected 5 fields/),
      `${configPath}: server.tls: is required: give { cert, key } PEM paths, or set server.insecureHttp: true for plain HTTP`,
      `${configPath}: schedules[1].name: "a" is already used by schedules[0]; schedule names must be unique`,
      `${configPath}: users[1].github: "alice" is already used by users[0]; map each GitHub login once`,
    ]);
  });

  it('reports unreadable TLS files by field', () => {
    const configPath = write(`
server: { tls: { cert: ${dir}/missing.crt, key: ${dir}/missing.key } }
github: { repositories: [acme/api] }
`);
    const result = loadSettings({ configPath, secretsPath: write(validSecrets) });
    if (result.ok) throw new Error('expected problems');
    expect(result.problems.map((p) => p.path)).toEqual(['server.tls.cert', 'server.tls.key']);
    expect(result.problems[0]?.message).toBe(`cannot read "${dir}/missing.crt" (ENOENT); expected a readable PEM file`);
  });

  it('names a missing file and the flag to fix', () => {
    const result = loadSettings({ configPath: join(dir, 'nope.yml'), secretsPath: write(validSecrets) });
    if (result.ok) throw new Error('expected problems');
    expect(result.problems.map(formatProblem)).toEqual([`${join(dir, 'nope.yml')}: cannot read the file (ENOENT); check the path given to the flag`]);
  });

  it('reports YAML syntax errors by position without quoting the file', () => {
    const secretsPath = write('githubToken: ghp_supersecret: value\nslackBotToken: [\n');
    const result = loadSettings({ configPath: write(validConfig), secretsPath });
    if (result.ok) throw new Error('expected problems');
    const text = result.problems.map(formatProblem).join('\n');
    expect(text).toMatch(/invalid YAML at line 1, column \d+/);
    expect(text).not.toContain('supersecret');
  });

  it('never echoes secret values in problems', () => {
    const secretsPath = write('githubToken: ghp_topsecretvalue\nslackBotToken: xoxq-topsecretvalue\nslackSigningSecret: short\n');
    const result = loadSettings({ configPath: write(validConfig), secretsPath });
    if (result.ok) throw new Error('expected problems');
    expect(JSON.stringify(result.problems)).not.toMatch(/topsecret|short/);
  });

  it('warns about DM schedules when no user is mapped', () => {
    const configPath = write(`
server: { insecureHttp: true }
github: { repositories: [acme/api] }
schedules:
  - { name: mine, channel: C1, cron: "0 9 * * *", timezone: UTC, kind: personal }
  - { name: all, channel: C1, cron: "0 9 * * *", timezone: UTC, kind: digest }
`);
    const result = loadSettings({ configPath, secretsPath: write(validSecrets) });
    if (!result.ok) throw new Error('expected success');
    expect(result.warnings.map(formatProblem)).toEqual([
      `${configPath}: schedules[0].kind: "personal" sends DMs to mapped users only, and users is empty: add { slack, github, name } entries`,
    ]);
  });

  it('warns when the secrets file is readable by others', () => {
    const secretsPath = write(validSecrets, 0o644);
    const result = loadSettings({ configPath: write(validConfig), secretsPath });
    if (!result.ok) throw new Error('expected success');
    expect(result.warnings.map(formatProblem)).toEqual([`${secretsPath}: mode is 0644; run "chmod 600 ${secretsPath}" so only the owner can read the tokens`]);
  });

  it('takes users[].github as GitHub allows logins, EMU shortcode included, and names a bad one', () => {
    const configPath = write(`
server: { insecureHttp: true }
github: { repositories: [acme/api] }
users:
  - { slack: U0A, github: mona-cat_acme, name: A }
  - { slack: U0B, github: -bob, name: B }
  - { slack: U0C, github: carol--x, name: C }
`);
    const result = loadSettings({ configPath, secretsPath: write(validSecrets) });
    if (result.ok) throw new Error('expected problems');
    const rule = 'expected a GitHub login: letters, digits and single hyphens, not first or last, at most 39 (an Enterprise Managed User adds "_shortcode")';
    expect(result.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([`users[1].github: ${rule}`, `users[2].github: ${rule}`]);
  });

  describe('githubApp', () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const slack = 'slackBotToken: xoxb-1-2-example\nslackSigningSecret: 8f742231b10e8888abcd99yyyzzz85a5\n';
    const indented = (text: string) =>
      text
        .trimEnd()
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n');
    const load = (secrets: string) => loadSettings({ configPath: write(validConfig), secretsPath: write(secrets + slack) });
    const problems = (secrets: string) => {
      const result = load(secrets);
      if (result.ok) throw new Error('expected problems');
      return result.problems.map((p) => `${p.path}: ${p.message}`);
    };

    it('takes the PEM text or a file holding it, with ids as numbers or numeric strings', () => {
      const inline = load(`githubApp:\n  appId: 12345\n  installationId: "678"\n  privateKey: |\n${indented(pem)}\n`);
      if (!inline.ok) throw new Error(inline.problems.map(formatProblem).join('\n'));
      expect(githubAuthOf(inline.secrets)).toEqual({ kind: 'app', appId: 12345, installationId: 678, privateKey: pem });
      const keyFile = join(dir, 'app.pem');
      writeFileSync(keyFile, pem, { mode: 0o600 });
      const fromFile = load(`githubApp: { appId: "12345", installationId: 678, privateKeyFile: ${keyFile} }\n`);
      if (!fromFile.ok) throw new Error(fromFile.problems.map(formatProblem).join('\n'));
      expect(githubAuthOf(fromFile.secrets)).toEqual({ kind: 'app', appId: 12345, installationId: 678, privateKey: pem });
    });

    it('wants exactly one of githubToken and githubApp', () => {
      expect(problems('')).toEqual(['githubToken: is required: give githubToken (a token) or githubApp: { appId, installationId, privateKey } (a GitHub App)']);
      expect(problems(`githubToken: ghp_example0123456789\ngithubApp:\n  appId: 1\n  installationId: 2\n  privateKey: |\n${indented(pem)}\n`)).toEqual([
        'githubApp: give exactly one of githubToken or githubApp: remove the one not meant',
      ]);
    });

    it('names the field of a malformed key, a non-numeric id, an unreadable key file, and never quotes the key', () => {
      const broken = pem.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!');
      const malformed = problems(`githubApp:\n  appId: 1\n  installationId: 2\n  privateKey: |\n${indented(broken)}\n`);
      expect(malformed).toEqual([
        "githubApp.privateKey: is not a PEM private key: paste the GitHub App's private key (-----BEGIN RSA PRIVATE KEY----- ... -----END RSA PRIVATE KEY-----)",
      ]);
      expect(problems('githubApp: { appId: my-app, installationId: 2.5, privateKey: x }\n')).toEqual([
        'githubApp.appId: expected the GitHub App id as a number such as 123456',
        'githubApp.installationId: expected the installation id as a number such as 123456',
      ]);
      expect(problems(`githubApp: { appId: 1, installationId: 2, privateKeyFile: ${dir}/missing.pem }\n`)).toEqual([
        `githubApp.privateKeyFile: cannot read "${dir}/missing.pem" (ENOENT); expected a readable PEM file`,
      ]);
      expect(problems('githubApp: { appId: 1, installationId: 2 }\n')).toEqual([
        'githubApp.privateKey: give exactly one of privateKey (the PEM text) or privateKeyFile (its path)',
      ]);
      expect(JSON.stringify(malformed)).not.toContain(pem.split('\n')[3]);
    });
  });
});

describe('schedules with their own repositories, filters and audience', () => {
  const withSchedules = (schedules: string): string => `
server: { insecureHttp: true, port: 0 }
github:
  repositories: ["acme/*"]
schedules:
${schedules}
`;

  it('accepts team and members audiences, and DM schedules without a channel', () => {
    const configPath = write(
      withSchedules(`  - { name: backend, channel: C0BACK, cron: "0 9 * * 1-5", timezone: UTC, kind: digest, team: acme/backend, repositories: [acme/api, "acme/infra-*"], exclude: [acme/infra-old], filters: { staleAfterDays: 3 } }
  - { name: pair, channel: C0PAIR, cron: "0 9 * * 1-5", timezone: UTC, kind: digest, members: [alice, bob] }
  - { name: dms, cron: "0 9 * * 1-5", timezone: UTC, kind: reviews, team: acme/frontend }`),
    );
    const result = loadSettings({ configPath, secretsPath: write(validSecrets) });
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.config.schedules.map((s) => [s.team, s.members, s.channel])).toEqual([
      ['acme/backend', undefined, 'C0BACK'],
      [undefined, ['alice', 'bob'], 'C0PAIR'],
      ['acme/frontend', undefined, undefined],
    ]);
    expect(result.config.schedules[0]?.filters).toEqual({ staleAfterDays: 3 });
  });

  it('reports unknown keys, bad patterns, both audiences and a digest without channel, by field', () => {
    const configPath = write(
      withSchedules(`  - { name: a, channel: C0A, cron: "0 9 * * *", timezone: UTC, kind: digest, repos: [acme/api], repositories: [acme], filters: { staleAfterDay: 3 } }
  - { name: b, channel: C0B, cron: "0 9 * * *", timezone: UTC, kind: digest, team: backend, members: [alice] }
  - { name: c, cron: "0 9 * * *", timezone: UTC, kind: digest, team: acme/x, members: [alice, "bad login"] }`),
    );
    const result = loadSettings({ configPath, secretsPath: write(validSecrets) });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => `${p.path}: ${p.message}`).sort()).toEqual([
      'schedules[0].filters: unknown key "staleAfterDay": check the spelling or remove it',
      'schedules[0].repositories[0]: expected "owner/repo" or "owner/*"',
      'schedules[0]: unknown key "repos": check the spelling or remove it',
      'schedules[1].members: give either team or members, not both',
      'schedules[1].team: expected a GitHub team as "org/team-slug" such as "acme/backend"',
      'schedules[2].channel: is required for a digest: the Slack channel id such as "C012ABCDEF"',
      'schedules[2].members: give either team or members, not both',
      'schedules[2].members[1]: expected a GitHub login: letters, digits and single hyphens, not first or last, at most 39 (an Enterprise Managed User adds "_shortcode")',
    ]);
  });

  it('reports a digest without channel and a schedule with both team and members', () => {
    const configPath = write(withSchedules(`  - { name: c, cron: "0 9 * * *", timezone: UTC, kind: digest, team: acme/x, members: [alice] }`));
    const result = loadSettings({ configPath, secretsPath: write(validSecrets) });
    if (result.ok) throw new Error('expected problems');
    expect(result.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'schedules[0].channel: is required for a digest: the Slack channel id such as "C012ABCDEF"',
      'schedules[0].members: give either team or members, not both',
    ]);
  });
});

describe('loadSettings: the alerts section', () => {
  const secretsPath = () => write(validSecrets);
  const withAlerts = (alerts: string) => write(`${validConfig}${alerts}`);

  it('accepts operators, links and the token, and fills defaults', () => {
    const configPath = withAlerts(`alerts:
  defaultChannel: C0ALERTS
  operators: [U0ALICE, W0BOB, S0ONCALL]
  alertmanagerUrl: "https://10.77.0.21:9093"
  grafanaUrl: "https://grafana.example.org"
  runbookBaseUrl: "https://runbooks.example.org/"
`);
    const result = loadSettings({ configPath, secretsPath: write(`${validSecrets}alertmanagerWebhookToken: am-token-0123456789\n`) });
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.config.alerts).toEqual({
      defaultChannel: 'C0ALERTS',
      operators: ['U0ALICE', 'W0BOB', 'S0ONCALL'],
      alertmanagerUrl: 'https://10.77.0.21:9093',
      grafanaUrl: 'https://grafana.example.org',
      runbookBaseUrl: 'https://runbooks.example.org/',
      timezone: 'UTC',
      requestTimeoutMs: 5_000,
    });
    expect(result.secrets.alertmanagerWebhookToken).toBe('am-token-0123456789');
  });

  it('names each bad field of the alerts section and a short webhook token', () => {
    const configPath = withAlerts(`alerts:
  defaultChannel: "#alerts"
  operators: [U0ALICE, "<!here>", C0CHANNEL]
  alertmanagerUrl: "ftp://10.77.0.21:9093"
  grafanaUrl: "javascript:alert(1)"
  timezone: Mars/Olympus
  silences: 3
`);
    const short = write(`${validSecrets}alertmanagerWebhookToken: short\n`);
    const result = loadSettings({ configPath, secretsPath: short });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const lines = result.problems.map(formatProblem);
    for (const field of [
      'alerts.defaultChannel',
      'alerts.operators[1]',
      'alerts.operators[2]',
      'alerts.alertmanagerUrl',
      'alerts.grafanaUrl',
      'alerts.timezone',
    ]) {
      expect(
        lines.some((line) => line.startsWith(`${configPath}: ${field}: `)),
        `${field} in ${lines.join('\n')}`,
      ).toBe(true);
    }
    expect(lines).toContain(`${configPath}: alerts: unknown key "silences": check the spelling or remove it`);
    expect(lines.some((line) => line.startsWith(`${short}: alertmanagerWebhookToken: `))).toBe(true);
  });

  it('is optional', () => {
    const result = loadSettings({ configPath: write(validConfig), secretsPath: secretsPath() });
    expect(result.ok && result.config.alerts).toBeUndefined();
  });
});

describe('review-health settings', () => {
  it('default to a 24-hour review SLO and the top 20 repositories, and take overrides per schedule', () => {
    const defaults = loadSettings({ configPath: write(validConfig), secretsPath: write(validSecrets) });
    if (!defaults.ok) throw new Error(defaults.problems.map(formatProblem).join('\n'));
    expect(defaults.config.filters.reviewSloHours).toBe(24);
    expect(defaults.config.metrics).toEqual({ reviewHealthTopRepositories: 20 });
    const configPath =
      write(`${validConfig}  - { name: backend, channel: C0BACK, cron: "0 9 * * 1-5", timezone: UTC, kind: digest, team: acme/backend, filters: { reviewSloHours: 4 } }
filters: { reviewSloHours: 12 }
metrics: { reviewHealthTopRepositories: 5 }
`);
    const result = loadSettings({ configPath, secretsPath: write(validSecrets) });
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.config.filters.reviewSloHours).toBe(12);
    expect(result.config.schedules[1]?.filters?.reviewSloHours).toBe(4);
    expect(result.config.metrics.reviewHealthTopRepositories).toBe(5);
  });

  it('name the field and the fix of a bad SLO or top-N', () => {
    const configPath = write(`${validConfig}filters: { reviewSloHours: 0 }
metrics: { reviewHealthTopRepositories: 2.5, topN: 3 }
`);
    const badMax = write(`${validConfig}filters: { reviewSloHours: "a day" }
metrics: { reviewHealthTopRepositories: 5000 }
`);
    const problems = (path: string): string[] => {
      const result = loadSettings({ configPath: path, secretsPath: write(validSecrets) });
      return result.ok ? [] : result.problems.map(formatProblem);
    };
    expect(problems(configPath)).toEqual([
      `${configPath}: filters.reviewSloHours: expected a number of hours above 0 such as 24`,
      `${configPath}: metrics.reviewHealthTopRepositories: expected a whole number of repositories such as 20`,
      `${configPath}: metrics: unknown key "topN": check the spelling or remove it`,
    ]);
    expect(problems(badMax)).toEqual([
      `${badMax}: filters.reviewSloHours: expected a number of hours such as 24`,
      `${badMax}: metrics.reviewHealthTopRepositories: at most 500: each named repository adds series to every review-health metric`,
    ]);
  });
});
