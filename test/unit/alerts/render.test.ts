import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { alertActionIds, alertActions } from '../../../app/src/alerts/actions.ts';
import { parseWebhookPayload, type WebhookPayload } from '../../../app/src/alerts/payload.ts';
import { dashboardLink, messageKey, renderAlertGroup, runbookLink, type AlertBlock } from '../../../app/src/alerts/render.ts';

function fixture(): WebhookPayload {
  const result = parseWebhookPayload(JSON.parse(readFileSync(new URL('../../fixtures/alerts/firing.json', import.meta.url), 'utf8')));
  if (!result.ok) throw new Error('fixture does not parse');
  return result.payload;
}

const links = { grafanaUrl: 'https://grafana.example.org', runbookBaseUrl: 'https://runbooks.example.org/alerts' };

function texts(blocks: AlertBlock[]): string {
  return blocks
    .map((b) => (b.type === 'section' ? b.text.text : b.type === 'context' ? b.elements.map((e) => e.text).join(' ') : b.type === 'header' ? b.text.text : ''))
    .join('\n');
}

function buttons(blocks: AlertBlock[]): string[] {
  return blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => e.action_id) : []));
}

describe('renderAlertGroup', () => {
  it('shows severity, summary, description, labels, since when, links and the silence buttons', () => {
    const payload = fixture();
    const message = renderAlertGroup(payload, {}, links, messageKey('C0ALERTS', payload.groupKey));
    const text = texts(message.blocks);
    expect(message.text).toBe('🔥 FIRING (2): ChatOpsReplicaDown: Replica 10.77.0.11 is down');
    expect(text).toContain('*Severity:* critical');
    // the earliest start of the group, as a Slack date token with a readable fallback
    expect(text).toContain(`<!date^${Date.parse('2026-11-28T07:59:00Z') / 1000}^{date_short_pretty} {time}|2026-11-28T07:59:00Z>`);
    expect(text).toContain('Prometheus cannot scrape &lt;10.77.0.11&gt; for 2m &amp; more.');
    expect(text).toContain('`alertname=ChatOpsReplicaDown`');
    expect(text).toContain('<https://runbooks.example.org/alerts/ChatOpsReplicaDown|Runbook> · <https://grafana.example.org/|Dashboard>');
    expect(buttons(message.blocks)).toEqual([alertActions.silence1h, alertActions.silence4h, alertActions.silenceTomorrow, alertActions.acknowledge]);
    const values = message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => e.value) : []));
    expect(new Set(values)).toEqual(new Set([messageKey('C0ALERTS', payload.groupKey)]));
  });

  it('shows who acknowledged and the silence, offering Unsilence instead of silencing again', () => {
    const message = renderAlertGroup(
      fixture(),
      {
        acknowledgedBy: { userId: 'U0ALICE', at: '2026-11-28T08:05:00Z' },
        silence: { id: 'abc-123', endsAt: '2026-11-28T09:05:00Z', createdBy: 'alice (Slack U0ALICE)' },
      },
      links,
      'k',
    );
    const text = texts(message.blocks);
    expect(text).toContain('Acknowledged by <@U0ALICE>');
    expect(text).toContain('Silenced until <!date^');
    expect(text).toContain('by alice (Slack U0ALICE)');
    expect(buttons(message.blocks)).toEqual([alertActions.unsilence]);
  });

  it('marks a resolved group and drops the buttons', () => {
    const payload = { ...fixture(), status: 'resolved' as const, alerts: fixture().alerts.map((a) => ({ ...a, status: 'resolved' as const })) };
    const message = renderAlertGroup(payload, {}, {}, 'k');
    expect(message.text).toBe('✅ RESOLVED: ChatOpsReplicaDown: Replica 10.77.0.11 is down');
    expect(buttons(message.blocks)).toEqual([]);
    expect(texts(message.blocks)).not.toContain('Runbook');
  });

  it('keeps every button id in the one shared table', () => {
    const message = renderAlertGroup(fixture(), {}, links, 'k');
    for (const id of buttons(message.blocks)) expect(alertActionIds).toContain(id);
  });
});

describe('messageKey', () => {
  it('differs per channel and per group, and has a fixed length', () => {
    const keys = new Set([messageKey('C0A', 'g1'), messageKey('C0B', 'g1'), messageKey('C0A', 'g2')]);
    expect(keys.size).toBe(3);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('links', () => {
  it('takes absolute annotations as they are and refuses non-http ones', () => {
    const payload = fixture();
    payload.commonAnnotations = { runbook_url: 'https://wiki.example.org/rb', dashboard_url: 'd/abc/replicas' };
    expect(runbookLink(payload, links)).toBe('https://wiki.example.org/rb');
    expect(dashboardLink(payload, links)).toBe('https://grafana.example.org/d/abc/replicas');
    payload.commonAnnotations = { runbook_url: 'javascript:alert(1)' };
    expect(runbookLink(payload, links)).toBeUndefined();
  });

  it('builds the runbook from the base URL and the alert name', () => {
    const payload = fixture();
    payload.alerts = payload.alerts.map((a) => ({ ...a, annotations: {} }));
    expect(runbookLink(payload, links)).toBe('https://runbooks.example.org/alerts/ChatOpsReplicaDown');
    expect(dashboardLink(payload, {})).toBeUndefined();
  });
});
