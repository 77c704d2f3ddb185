// The sandbox: the GitHub and Slack fakes side by side, seeded with a small demo organisation.
// `npx tsx sandbox/sandbox.ts [--tls-cert F --tls-key F] [--host H] [--github-port P]
// [--slack-port P] [--seed demo|none] [--github-latency-ms N]` prints one JSON line with the URLs
// and runs until SIGTERM/SIGINT. `--github-app-key F` (a GitHub App private key PEM, e.g. from
// generateAppKeyPair) makes the GitHub fake know the sandbox app SANDBOX_GITHUB_APP with its public key. `startSandbox()` does the same in-process (the `demo` command,
// tests). The tokens the fakes accept are the exported constants below (app/examples/secrets.yml).
import { readFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateAppKeyPair, GITHUB_FAKE_TOKEN, publicKeyOf, startGitHubFake, type GitHubFake } from './github.ts';
import { SLACK_FAKE_BOT_TOKEN, SLACK_FAKE_SIGNING_SECRET, startSlackFake, type SlackFake } from './slack.ts';

export { generateAppKeyPair, GITHUB_FAKE_TOKEN, SLACK_FAKE_BOT_TOKEN, SLACK_FAKE_SIGNING_SECRET };

/** The people of the demo organisation; app/examples/config.yml maps the same ones. */
export const SANDBOX_USERS = [
  { slack: 'U0ALICE', github: 'alice', name: 'Alice Liddell' },
  { slack: 'U0BOB', github: 'bob', name: 'Bob Builder' },
  { slack: 'U0CAROL', github: 'carol', name: 'Carol Danvers' },
  { slack: 'U0DAVE', github: 'dave', name: 'Dave Bowman' },
] as const;

/** The demo organisation and its repositories (docs-old is archived, so `acme/*` skips it). */
export const SANDBOX_ORG = 'acme';
export const SANDBOX_REPOSITORIES = ['acme/api', 'acme/web', 'acme/infra'] as const;
export const SANDBOX_ARCHIVED_REPOSITORY = 'acme/docs-old';
/** The demo organisation's teams, of SANDBOX_USERS (acme/web#51 awaits frontend's review). */
export const SANDBOX_TEAMS = [
  { slug: 'backend', name: 'Backend', members: ['alice', 'bob'] },
  { slug: 'frontend', name: 'Frontend', members: ['carol', 'dave'] },
] as const;
/** The demo workspace's on-call user group (alice and bob), for `alerts.operators`. */
export const SANDBOX_ONCALL_GROUP = { id: 'S0ONCALL', users: ['U0ALICE', 'U0BOB'] } as const;
/** The GitHub App the sandbox knows when given its private key, installed on the demo organisation. */
export const SANDBOX_GITHUB_APP = { appId: 424242, installationId: 4242001 } as const;
/** The channel the demo digest goes to. */
export const SANDBOX_CHANNEL = 'C0PULLREQS';

export interface SandboxOptions {
  tls?: { cert: string; key: string };
  host?: string;
  githubPort?: number;
  slackPort?: number;
  seed?: 'demo' | 'none';
  githubLatencyMs?: number;
  /** PEM private key of SANDBOX_GITHUB_APP: the GitHub fake registers its public key and the installation */
  githubAppPrivateKey?: string;
  /** how long the GitHub fake's installation tokens live (default one hour) */
  installationTokenLifetimeSeconds?: number;
  /** "now" for the seeded ages; defaults to the current time */
  now?: Date;
}

export interface Sandbox {
  github: GitHubFake;
  slack: SlackFake;
  /** SANDBOX_GITHUB_APP when the sandbox was given its private key */
  githubApp: { appId: number; installationId: number } | undefined;
  /** What the CLI prints: no tokens, no keys. */
  describe(): { github: { url: string; app?: { appId: number; installationId: number } }; slack: { url: string; apiUrl: string; incomingWebhookUrl: string } };
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const listen = { ...(options.tls ? { tls: options.tls } : {}), ...(options.host ? { host: options.host } : {}) };
  const github = await startGitHubFake({
    ...listen,
    port: options.githubPort ?? 0,
    latencyMs: options.githubLatencyMs ?? 0,
    ...(options.installationTokenLifetimeSeconds === undefined ? {} : { installationTokenLifetimeSeconds: options.installationTokenLifetimeSeconds }),
  });
  let slack: SlackFake;
  try {
    slack = await startSlackFake({ ...listen, port: options.slackPort ?? 0 });
  } catch (error) {
    await github.close();
    throw error;
  }
  if ((options.seed ?? 'demo') === 'demo') seedDemo(github, slack, options.now ?? new Date());
  if (options.githubAppPrivateKey !== undefined) seedApp(github, options.githubAppPrivateKey);
  const githubApp = options.githubAppPrivateKey === undefined ? undefined : { ...SANDBOX_GITHUB_APP };
  return {
    github,
    slack,
    githubApp,
    describe: () => ({
      github: { url: github.url, ...(githubApp ? { app: githubApp } : {}) },
      slack: { url: slack.url, apiUrl: slack.apiUrl, incomingWebhookUrl: slack.incomingWebhook.url },
    }),
    close: async () => {
      await Promise.all([github.close(), slack.close()]);
    },
  };
}

/** A week in the life of a small team: fresh, old, stale, draft, approved and blocked PRs. */
export function seedDemo(github: GitHubFake, slack: SlackFake, now: Date): void {
  const ago = (hours: number): string => new Date(now.getTime() - hours * 3_600_000).toISOString();
  for (const user of SANDBOX_USERS) slack.addUser({ id: user.slack, name: user.github, real_name: user.name });
  slack.addUserGroup({ id: SANDBOX_ONCALL_GROUP.id, users: [...SANDBOX_ONCALL_GROUP.users] });
  for (const repo of SANDBOX_REPOSITORIES) github.addRepository(repo);
  github.addRepository(SANDBOX_ARCHIVED_REPOSITORY, { archived: true });
  github.addPullRequest(SANDBOX_ARCHIVED_REPOSITORY, { title: 'Old docs tweak nobody will merge', user: 'alice', created_at: ago(24 * 200) });

  const api = 'acme/api';
  github.addPullRequest(api, { number: 101, title: 'Add pagination to /v1/orders', user: 'alice', created_at: ago(30), requested_reviewers: ['bob', 'carol'] });
  github.addPullRequest(api, {
    number: 102,
    title: 'Fix race in session refresh',
    user: 'bob',
    labels: ['bug'],
    created_at: ago(24 * 4),
    requested_reviewers: ['alice'],
  });
  github.addReview(api, 102, { user: 'carol', state: 'APPROVED', submitted_at: ago(24 * 3) });
  github.addPullRequest(api, {
    number: 103,
    title: 'Upgrade fastify to v5',
    user: 'erin',
    labels: ['dependencies'],
    created_at: ago(24 * 16),
    requested_reviewers: ['dave'],
  });
  github.addPullRequest(api, { number: 104, title: 'WIP: rate limiting middleware', user: 'carol', draft: true, labels: ['wip'], created_at: ago(6) });

  const web = 'acme/web';
  github.addPullRequest(web, {
    number: 51,
    title: 'Dark mode for the dashboard',
    user: 'dave',
    created_at: ago(24 * 2),
    requested_reviewers: ['alice', 'carol'],
    requested_teams: ['frontend'],
  });
  github.addReview(web, 51, { user: 'alice', state: 'CHANGES_REQUESTED', submitted_at: ago(24) });
  github.addPullRequest(web, { number: 52, title: 'Fix typo on the pricing page', user: 'alice', created_at: ago(3), requested_reviewers: ['dave'] });
  github.addPullRequest(web, { number: 53, title: 'Migrate charts to the new library', user: 'bob', created_at: ago(24 * 21), requested_reviewers: ['carol'] });
  github.addReview(web, 53, { user: 'dave', state: 'COMMENTED', submitted_at: ago(24 * 18) });

  const infra = 'acme/infra';
  github.addPullRequest(infra, {
    number: 7,
    title: 'Rotate the HAProxy certificates monthly',
    user: 'carol',
    created_at: ago(24 * 9),
    requested_reviewers: ['bob'],
  });
  github.addReview(infra, 7, { user: 'dave', state: 'APPROVED', submitted_at: ago(24 * 8) });
  github.addReview(infra, 7, { user: 'alice', state: 'CHANGES_REQUESTED', submitted_at: ago(24 * 7) });
  github.addReview(infra, 7, { user: 'alice', state: 'APPROVED', submitted_at: ago(24 * 6) });
  github.addPullRequest(infra, { number: 8, title: 'Terraform: add the staging VPC', user: 'dave', draft: true, created_at: ago(24 * 12) });
  github.addPullRequest(infra, {
    number: 9,
    title: 'Alert on certificate expiry',
    user: 'bob',
    labels: ['monitoring'],
    created_at: ago(12),
    requested_reviewers: ['carol', 'dave'],
  });

  for (const team of SANDBOX_TEAMS) github.addTeam(SANDBOX_ORG, team.slug, { name: team.name, members: [...team.members] });
}

/** SANDBOX_GITHUB_APP, known by the public half of `privateKey`, installed on the demo organisation. */
export function seedApp(github: GitHubFake, privateKey: string): void {
  github.addApp({ id: SANDBOX_GITHUB_APP.appId, publicKey: publicKeyOf(privateKey), slug: 'chatops-sandbox', name: 'ChatOps (sandbox)' });
  github.addInstallation({ id: SANDBOX_GITHUB_APP.installationId, appId: SANDBOX_GITHUB_APP.appId, account: SANDBOX_ORG });
}

class UsageError extends Error {}

const FLAGS = {
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  host: { type: 'string' },
  'github-port': { type: 'string' },
  'slack-port': { type: 'string' },
  seed: { type: 'string', default: 'demo' },
  'github-latency-ms': { type: 'string' },
  'github-app-key': { type: 'string' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ args: string[]; options: typeof FLAGS; strict: true }>>['values'];

async function main(argv: string[]): Promise<number> {
  try {
    const { values } = (() => {
      try {
        return parseArgs({ args: argv, options: FLAGS, strict: true });
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    })();
    const sandbox = await startSandbox(await sandboxOptions(values));
    process.stdout.write(`${JSON.stringify(sandbox.describe())}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await sandbox.close();
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`sandbox: ${error.message}\n${usage}`);
      return 2;
    }
    process.stderr.write(`sandbox: ${(error as Error).message}\n`);
    return 1;
  }
}

/** The flags checked and turned into options; a bad one is a UsageError naming it. */
async function sandboxOptions(values: Flags): Promise<SandboxOptions> {
  const port = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${flag}: expected a port number 0-65535, got "${value}"`);
    return n;
  };
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) {
    throw new UsageError('--tls-cert and --tls-key go together: pass both PEM files, or neither for plain HTTP');
  }
  const host = values.host ?? '127.0.0.1';
  if (!values['tls-cert'] && !['127.0.0.1', '::1', 'localhost'].includes(host)) {
    throw new UsageError(`--host ${host}: beyond loopback every listener speaks TLS; pass --tls-cert and --tls-key`);
  }
  const seed = values.seed;
  if (seed !== 'demo' && seed !== 'none') throw new UsageError(`--seed: expected "demo" or "none", got "${seed}"`);
  const tls =
    values['tls-cert'] && values['tls-key']
      ? { cert: await readPem('tls-cert', values['tls-cert']), key: await readPem('tls-key', values['tls-key']) }
      : undefined;
  const latency = values['github-latency-ms'] === undefined ? undefined : Number(values['github-latency-ms']);
  if (latency !== undefined && !(Number.isFinite(latency) && latency >= 0)) {
    throw new UsageError(`--github-latency-ms: expected a non-negative number, got "${values['github-latency-ms']}"`);
  }
  const appKey = values['github-app-key'] === undefined ? undefined : await readPem('github-app-key', values['github-app-key']);
  if (appKey !== undefined) {
    try {
      publicKeyOf(appKey);
    } catch {
      throw new UsageError(`--github-app-key: ${values['github-app-key']} is not a PEM private key; pass the GitHub App's private key file`);
    }
  }
  const githubPort = port('github-port', values['github-port']);
  const slackPort = port('slack-port', values['slack-port']);
  return {
    ...(tls ? { tls } : {}),
    ...(values.host ? { host: values.host } : {}),
    ...(githubPort !== undefined ? { githubPort } : {}),
    ...(slackPort !== undefined ? { slackPort } : {}),
    ...(latency !== undefined ? { githubLatencyMs: latency } : {}),
    ...(appKey !== undefined ? { githubAppPrivateKey: appKey } : {}),
    seed,
  };
}

async function readPem(flag: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--${flag}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); pass a readable PEM file`);
  }
}

const usage =
  'usage: npx tsx sandbox/sandbox.ts [--tls-cert F --tls-key F] [--host H] [--github-port P] [--slack-port P] [--seed demo|none] [--github-latency-ms N] [--github-app-key F]\n';

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`sandbox: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
