import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatPayloadProblems, groupIdentity, parseWebhookPayload } from '../../../app/src/alerts/payload.ts';

const firing = JSON.parse(readFileSync(new URL('../../fixtures/alerts/firing.json', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('parseWebhookPayload', () => {
  it('reads the version 4 payload into a typed value', () => {
    const result = parseWebhookPayload(firing);
    if (!result.ok) throw new Error(formatPayloadProblems(result.problems));
    expect(result.payload.status).toBe('firing');
    expect(result.payload.alerts.map((a) => a.fingerprint)).toEqual(['1a30ba71cca2921f', '2b41cb82ddb3a32f']);
    expect(groupIdentity(result.payload)).toBe('{}/{severity="critical"}:{alertname="ChatOpsReplicaDown"}');
    expect(result.payload.truncatedAlerts).toBe(0);
  });

  it('names every wrong field', () => {
    const alert = (firing.alerts as Record<string, unknown>[])[0];
    const result = parseWebhookPayload({
      ...firing,
      version: '3',
      groupKey: undefined,
      status: 'pending',
      groupLabels: { alertname: 7 },
      alerts: [{ ...alert, startsAt: 'yesterday', fingerprint: '' }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.field)).toEqual([
      'version',
      'groupKey',
      'status',
      'groupLabels.alertname',
      'alerts[0].startsAt',
      'alerts[0].fingerprint',
    ]);
    expect(formatPayloadProblems(result.problems)).toContain('version: expected "4", the webhook format of Alertmanager 0.25');
    expect(formatPayloadProblems(result.problems)).toContain('groupKey: is required (expected string)');
  });

  it('refuses bodies that are not an object and groups without alerts', () => {
    for (const body of [null, [], 'text', 4]) {
      const result = parseWebhookPayload(body);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problems).toEqual([{ field: '', message: 'expected a JSON object as Alertmanager sends' }]);
    }
    const empty = parseWebhookPayload({ ...firing, alerts: [] });
    expect(empty.ok === false && empty.problems).toEqual([{ field: 'alerts', message: 'expected at least one alert' }]);
  });
});
