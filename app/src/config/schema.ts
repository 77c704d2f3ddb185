// The shape of config.yml and secrets.yml. Types used across the app are inferred from here.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { validateDetailed } from 'node-cron';
import { z } from 'zod';
import { githubLoginPattern, githubLoginRule } from '../core/logins.ts';

const ianaTimeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected an IANA time zone such as "Europe/Berlin" or "UTC"' },
);

const repositoryPattern = z.string().regex(/^[A-Za-z0-9_.-]+\/(\*|[A-Za-z0-9_.*-]+)$/, {
  message: 'expected "owner/repo" or "owner/*"',
});

const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, {
  message: 'expected a Slack user id such as "U012ABCDEF"',
});

const cronExpression = z.string().superRefine((expression, ctx) => {
  const validation = validateDetailed(expression);
  if (validation.valid) return;
  const detail = validation.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  ctx.addIssue({
    code: 'custom',
    message: `invalid cron expression "${expression}" (${detail}); expected 5 fields "m h dom mon dow" such as "0 9 * * 1-5"`,
  });
});

const httpUrl = (example: string) => z.url({ protocol: /^https?$/, message: `expected an http(s) URL such as "${example}"` });

// Operators who may act on alerts: Slack users (U…/W…) or user groups (S…).
const slackOperatorId = z.string().regex(/^[UWS][A-Z0-9]{2,}$/, {
  message: 'expected a Slack user id such as "U012ABCDEF" or a user-group id such as "S012ABCDEF"',
});

const slackChannelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, {
  message: 'expected a Slack channel id such as "C012ABCDEF"',
});

export const alertsSchema = z
  .object({
    defaultChannel: slackChannelId,
    operators: z.array(slackOperatorId).default([]),
    alertmanagerUrl: httpUrl('https://10.77.0.21:9093'),
    // `/chatops status` reads each target's `up` here; without it the answer has no service list.
    prometheusUrl: httpUrl('https://10.77.0.21:9090').optional(),
    caFile: z.string().min(1).optional(),
    grafanaUrl: httpUrl('https://grafana.example.org').optional(),
    runbookBaseUrl: httpUrl('https://runbooks.example.org/').optional(),
    // "Silence until tomorrow 09:00" is computed in this zone.
    timezone: ianaTimeZone.default('UTC'),
    requestTimeoutMs: z.number().int().positive().max(60_000).default(5_000),
  })
  .strict();

export const scheduleKinds = ['digest', 'personal', 'reviews'] as const;

const githubLogin = z.string().regex(githubLoginPattern, { message: githubLoginRule });

export const userSchema = z
  .object({
    slack: slackUserId,
    github: githubLogin,
    name: z.string().min(1),
  })
  .strict();

export const filtersSchema = z
  .object({
    includeDrafts: z.boolean().default(true),
    labels: z
      .object({
        include: z.array(z.string().min(1)).default([]),
        exclude: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ include: [], exclude: [] }),
    ignoredTitleTerms: z.array(z.string().min(1)).default([]),
    minimumAgeHours: z.number().nonnegative().default(0),
    staleAfterDays: z.number().positive().default(14),
    // Leave a PR out once it has this many approvals and no changes requested; 0 is off.
    approvalsRequired: z.number().int().min(0).max(100).optional(),
    /** the old spelling: `true` is `approvalsRequired: 1`; approvalsRequired wins when both are given */
    skipApproved: z.boolean().default(false),
    staleBy: z.enum(['created', 'updated']).default('created'),
    // A PR waiting for review longer than this breaches the review SLO (review-health metrics, ChatOpsReviewSloBreached).
    reviewSloHours: z
      .number({ message: 'expected a number of hours such as 24' })
      .positive('expected a number of hours above 0 such as 24')
      .max(8760)
      .default(24),
  })
  .strict();

type WithoutDefaults<S extends z.ZodRawShape> = { [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer T> ? T : S[K]> };

/** The same fields, each optional and without its default: absent keys stay absent. */
function withoutDefaults<S extends z.ZodRawShape>(shape: S): WithoutDefaults<S> {
  return Object.fromEntries(
    Object.entries(shape).map(([key, field]) => [key, (field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : (field as z.ZodType)).optional()]),
    // Object.fromEntries loses the per-key types that the mapped type above restores.
  ) as unknown as WithoutDefaults<S>;
}

/** A schedule's `filters`: any key of the global `filters`, replacing the global value. */
export const filterOverridesSchema = z.object(withoutDefaults(filtersSchema.shape)).strict();

/** `org/team-slug`, as in GitHub's team mentions. */
const teamName = z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9_.-]+$/, { message: 'expected a GitHub team as "org/team-slug" such as "acme/backend"' });

export const scheduleSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, {
      message: 'expected a lower-case name of letters, digits, "-" and "_"',
    }),
    // Required for digests only (checked below): personal and reviews schedules write DMs.
    channel: z.string().min(1, 'expected a Slack channel id such as "C012ABCDEF"').optional(),
    cron: cronExpression,
    timezone: ianaTimeZone,
    kind: z.enum(scheduleKinds),
    // Default to github.repositories and github.exclude.
    repositories: z.array(repositoryPattern).min(1, 'list at least one "owner/repo", or leave the key out for github.repositories').optional(),
    exclude: z.array(z.string().min(1)).optional(),
    filters: filterOverridesSchema.optional(),
    // The audience: a GitHub team, or a list of logins.
    team: teamName.optional(),
    members: z.array(githubLogin).min(1, 'list at least one GitHub login, or leave the key out').optional(),
  })
  .strict()
  .superRefine((schedule, ctx) => {
    if (schedule.kind === 'digest' && schedule.channel === undefined) {
      ctx.addIssue({ code: 'custom', path: ['channel'], message: 'is required for a digest: the Slack channel id such as "C012ABCDEF"' });
    }
    if (schedule.team !== undefined && schedule.members !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['members'], message: 'give either team or members, not both' });
    }
  });

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8443),
        tls: z
          .object({
            cert: z.string().min(1),
            key: z.string().min(1),
          })
          .strict()
          .optional(),
        // Plain HTTP is allowed only when asked for explicitly (local demos, tests behind TLS).
        insecureHttp: z.boolean().default(false),
        shutdownTimeoutMs: z.number().int().positive().default(10_000),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8443, insecureHttp: false, shutdownTimeoutMs: 10_000 }),
    replica: z
      .object({
        id: z.string().min(1).optional(),
        primary: z.boolean().default(false),
      })
      .strict()
      .default({ primary: false }),
    github: z
      .object({
        baseUrl: httpUrl('https://api.github.com').default('https://api.github.com'),
        repositories: z.array(repositoryPattern).min(1, 'list at least one "owner/repo"'),
        exclude: z.array(z.string().min(1)).default([]),
        // GitHub allows no more than 100 concurrent requests per user or app, REST and GraphQL
        // together (its secondary rate limits); the default leaves the token room for other tools.
        concurrency: z.number().int().min(1).max(100).default(8),
        requestTimeoutMs: z.number().int().positive().default(10_000),
        caFile: z.string().optional(),
      })
      .strict(),
    slack: z
      .object({
        apiUrl: httpUrl('https://slack.com/api/').default('https://slack.com/api/'),
        caFile: z.string().optional(),
        // /prs answers may reuse a GitHub read this many seconds old; 0 reads GitHub every time.
        commandCacheSeconds: z.number().int().min(0).max(3600).default(30),
      })
      .strict()
      .default({ apiUrl: 'https://slack.com/api/', commandCacheSeconds: 30 }),
    elasticsearch: z
      .object({
        // One URL, or every node of the cluster (the client skips a node that does not answer).
        node: z.union([
          httpUrl('https://10.77.0.31:9200'),
          z.array(httpUrl('https://10.77.0.31:9200')).min(1, 'list at least one node, such as ["https://10.77.0.31:9200"]'),
        ]),
        caFile: z.string().optional(),
        indexPrefix: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_-]*$/)
          .default('chatops'),
        retentionDays: z.number().int().positive().default(30),
        // Basic-auth user when secrets.yml has `elasticsearchPassword`.
        username: z.string().min(1).default('chatops'),
      })
      .strict()
      .optional(),
    alerts: alertsSchema.optional(),
    users: z.array(userSchema).default([]),
    schedules: z.array(scheduleSchema).default([]),
    filters: filtersSchema.default({
      includeDrafts: true,
      labels: { include: [], exclude: [] },
      ignoredTitleTerms: [],
      minimumAgeHours: 0,
      staleAfterDays: 14,
      skipApproved: false,
      staleBy: 'created',
      reviewSloHours: 24,
    }),
    metrics: z
      .object({
        // Review-health series name this many repositories (most open PRs first); the rest fold into `other`.
        reviewHealthTopRepositories: z
          .number({ message: 'expected a whole number of repositories such as 20' })
          .int('expected a whole number of repositories such as 20')
          .min(0)
          .max(500, 'at most 500: each named repository adds series to every review-health metric')
          .default(20),
      })
      .strict()
      .default({ reviewHealthTopRepositories: 20 }),
    logging: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info') })
      .strict()
      .default({ level: 'info' }),
  })
  .strict();

const numericId = (what: string) => {
  const message = `expected the ${what} as a number such as 123456`;
  return z
    .union([z.number(), z.string().regex(/^\d+$/, { message })], { message })
    .transform(Number)
    .pipe(z.number().int({ message }).positive({ message }));
};

function privateKeyProblem(pem: string): string | undefined {
  try {
    createPrivateKey(pem);
    return undefined;
  } catch {
    return "is not a PEM private key: paste the GitHub App's private key (-----BEGIN RSA PRIVATE KEY----- ... -----END RSA PRIVATE KEY-----)";
  }
}

/** The GitHub App's credentials; `privateKeyFile` is read here so the rest of the app sees the PEM text. */
const githubAppSchema = z
  .object({
    appId: numericId('GitHub App id'),
    installationId: numericId('installation id'),
    privateKey: z.string().min(1).optional(),
    privateKeyFile: z.string().min(1).optional(),
  })
  .strict()
  .transform((app, ctx) => {
    if ((app.privateKey === undefined) === (app.privateKeyFile === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'give exactly one of privateKey (the PEM text) or privateKeyFile (its path)' });
      return z.NEVER;
    }
    let privateKey = app.privateKey;
    const field = privateKey === undefined ? 'privateKeyFile' : 'privateKey';
    if (privateKey === undefined) {
      try {
        privateKey = readFileSync(app.privateKeyFile ?? '', 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
        ctx.addIssue({ code: 'custom', path: [field], message: `cannot read "${app.privateKeyFile}" (${code}); expected a readable PEM file` });
        return z.NEVER;
      }
    }
    const problem = privateKeyProblem(privateKey);
    if (problem) {
      ctx.addIssue({ code: 'custom', path: [field], message: problem });
      return z.NEVER;
    }
    return { appId: app.appId, installationId: app.installationId, privateKey };
  });

export const secretsSchema = z
  .object({
    githubToken: z.string().min(1).optional(),
    githubApp: githubAppSchema.optional(),
    slackBotToken: z.string().regex(/^xox[bp]-/, { message: 'expected a Slack bot token starting with "xoxb-"' }),
    slackSigningSecret: z.string().min(8),
    githubWebhookSecret: z.string().min(8).optional(),
    elasticsearchPassword: z.string().min(1).optional(),
    // Alertmanager's webhook_configs send it as `Authorization: Bearer …`.
    alertmanagerWebhookToken: z.string().min(8).optional(),
    // Basic auth of Alertmanager's web listener, for the silence buttons.
    alertmanager: z
      .object({ username: z.string().min(1), password: z.string().min(8) })
      .strict()
      .optional(),
    // Basic auth of Prometheus's web listener, for `/chatops status`.
    prometheus: z
      .object({ username: z.string().min(1), password: z.string().min(8) })
      .strict()
      .optional(),
    metrics: z
      .object({ username: z.string().min(1), password: z.string().min(8) })
      .strict()
      .optional(),
  })
  .strict();

/** How the app authenticates to GitHub: a token, or a GitHub App installation. */
export type GitHubAuth = { kind: 'token'; token: string } | { kind: 'app'; appId: number; installationId: number; privateKey: string };

export function githubAuthOf(secrets: Secrets): GitHubAuth {
  if (secrets.githubApp) return { kind: 'app', ...secrets.githubApp };
  if (secrets.githubToken) return { kind: 'token', token: secrets.githubToken };
  throw new Error('secrets.yml has neither githubToken nor githubApp');
}

export type Config = z.infer<typeof configSchema>;
export type Secrets = z.infer<typeof secretsSchema>;
export type Schedule = z.infer<typeof scheduleSchema>;
export type ScheduleKind = Schedule['kind'];
export type User = z.infer<typeof userSchema>;
export type Filters = z.infer<typeof filtersSchema>;
export type AlertsConfig = z.infer<typeof alertsSchema>;
export type FilterOverrides = z.infer<typeof filterOverridesSchema>;
