// Alertmanager's webhook payload (version "4", as 0.25 sends it) checked into a typed value,
// or the list of fields that are wrong so the route can answer 400 naming them.
import { z } from 'zod';

const labelSet = z.record(z.string(), z.string());
const timestamp = z.iso.datetime({ offset: true, local: false, message: 'expected an RFC 3339 time such as "2026-11-28T09:00:00Z"' });
const status = z.enum(['firing', 'resolved']);

const alertSchema = z.object({
  status,
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: timestamp,
  // "0001-01-01T00:00:00Z" while firing without an end
  endsAt: timestamp,
  generatorURL: z.string().default(''),
  fingerprint: z.string().min(1),
});

export const webhookPayloadSchema = z.object({
  version: z.literal('4', { message: 'expected "4", the webhook format of Alertmanager 0.25' }),
  groupKey: z.string().min(1),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  status,
  receiver: z.string().min(1),
  groupLabels: labelSet,
  commonLabels: labelSet,
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().default(''),
  alerts: z.array(alertSchema).min(1, 'expected at least one alert'),
});

export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;
export type WebhookAlert = z.infer<typeof alertSchema>;

export interface PayloadProblem {
  /** dotted field path such as `alerts[0].startsAt`; empty for the whole body */
  field: string;
  message: string;
}

export type ParseResult = { ok: true; payload: WebhookPayload } | { ok: false; problems: PayloadProblem[] };

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out;
}

export function parseWebhookPayload(body: unknown): ParseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, problems: [{ field: '', message: 'expected a JSON object as Alertmanager sends' }] };
  }
  const result = webhookPayloadSchema.safeParse(body);
  if (result.success) return { ok: true, payload: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({
      field: fieldPath(issue.path),
      message:
        issue.code === 'invalid_type' && /received undefined$/.test(issue.message)
          ? `is required (expected ${issue.expected})`
          : issue.message.replace(/^Invalid (input|option): /, ''),
    })),
  };
}

export function formatPayloadProblems(problems: PayloadProblem[]): string {
  return problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ');
}

/** The group's identity across notifications: Alertmanager's groupKey (route + group labels). */
export function groupIdentity(payload: WebhookPayload): string {
  return payload.groupKey;
}
