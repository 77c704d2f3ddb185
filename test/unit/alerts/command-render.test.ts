import { describe, expect, it } from 'vitest';
import { alertCommandActions } from '../../../app/src/alerts/actions.ts';
import type { AlertGroup, GettableSilence } from '../../../app/src/alerts/alertmanager.ts';
import {
  countAlerts,
  groupSilenceLabels,
  maxListedGroups,
  renderChatopsStatus,
  renderFiringGroups,
  renderSilences,
} from '../../../app/src/alerts/command-render.ts';
import { parseAlertCommand } from '../../../app/src/slack/listeners/commands/alerts.ts';

type State = 'active' | 'suppressed';

type GroupAlert = AlertGroup['alerts'][number];

const anAlert = (fingerprint: string, labels: Record<string, string>, state: State = 'active', summary?: string): GroupAlert => ({
  labels,
  annotations: summary ? { summary } : ({} as Record<string, string>),
  startsAt: '2026-11-28T10:00:00.000Z',
  endsAt: '2026-11-28T12:00:00.000Z',
  fingerprint,
  status: { state, silencedBy: state === 'suppressed' ? ['s1'] : [], inhibitedBy: [] },
});

const aGroup = (labels: Record<string, string>, alerts: GroupAlert[]): AlertGroup => ({ labels, receiver: { name: 'chatops' }, alerts });

const aSilence = (id: string, endsAt: string, state: 'active' | 'expired' | 'pending' = 'active'): GettableSilence => ({
  id,
  status: { state },
  updatedAt: '2026-11-28T10:00:00.000Z',
  matchers: [
    { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
    { name: 'host', value: 'web.*', isRegex: true, isEqual: false },
  ],
  startsAt: '2026-11-28T10:00:00.000Z',
  endsAt,
  createdBy: 'alice (Slack U0ALICE)',
  comment: 'disk swap',
});

describe('renderFiringGroups', () => {
  it('lists the firing groups, most alerts first, each with silence buttons carrying its labels', () => {
    const message = renderFiringGroups([
      aGroup({ alertname: 'One' }, [anAlert('a', { alertname: 'One', severity: 'warning' })]),
      aGroup({ alertname: 'Two' }, [
        anAlert('b', { alertname: 'Two', severity: 'critical', host: 'h1' }, 'active', 'disk <full> & *hot*'),
        anAlert('c', { alertname: 'Two', severity: 'critical', host: 'h2' }),
        anAlert('d', { alertname: 'Two', severity: 'critical', host: 'h3' }, 'suppressed'),
      ]),
      aGroup({ alertname: 'Muted' }, [anAlert('e', { alertname: 'Muted' }, 'suppressed')]),
    ]);
    expect(message.text).toBe('🔥 3 alerts firing in 2 groups');
    expect(message.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: '🔥 3 alerts firing in 2 groups', emoji: true } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: '🔥 *Two* (2 firing)   *Severity:* critical   *Since:* <!date^1795860000^{date_short_pretty} {time}|2026-11-28T10:00:00.000Z>\ndisk &lt;full&gt; &amp; *hot*',
        },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: '`alertname=Two`' }] },
      {
        type: 'actions',
        block_id: 'alert_list_0',
        elements: [
          {
            type: 'button',
            action_id: alertCommandActions.silence1h,
            text: { type: 'plain_text', text: 'Silence 1 h', emoji: true },
            value: '{"alertname":"Two"}',
          },
          {
            type: 'button',
            action_id: alertCommandActions.silence4h,
            text: { type: 'plain_text', text: 'Silence 4 h', emoji: true },
            value: '{"alertname":"Two"}',
          },
          {
            type: 'button',
            action_id: alertCommandActions.silenceTomorrow,
            text: { type: 'plain_text', text: 'Silence until tomorrow 09:00', emoji: true },
            value: '{"alertname":"Two"}',
          },
        ],
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: '🔥 *One* (1 firing)   *Severity:* warning   *Since:* <!date^1795860000^{date_short_pretty} {time}|2026-11-28T10:00:00.000Z>',
        },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: '`alertname=One`' }] },
      expect.objectContaining({ type: 'actions', block_id: 'alert_list_1' }),
    ]);
  });

  it('gives each group its own block_id, as Slack requires, even when they share an alertname', () => {
    const message = renderFiringGroups([
      aGroup({ alertname: 'Down', job: 'a' }, [anAlert('a', { alertname: 'Down', job: 'a' })]),
      aGroup({ alertname: 'Down', job: 'b' }, [anAlert('b', { alertname: 'Down', job: 'b' })]),
    ]);
    const ids = message.blocks.flatMap((b) => ('block_id' in b ? [b.block_id] : []));
    expect(ids).toEqual(['alert_list_0', 'alert_list_1']);
  });

  it('says nothing fires when every alert is silenced or inhibited', () => {
    expect(renderFiringGroups([aGroup({}, [anAlert('e', { alertname: 'Muted' }, 'suppressed')])]).text).toBe('No alerts are firing.');
  });

  it("silences a group routed without group_by by its firing alerts' common labels", () => {
    const group = aGroup({}, [anAlert('a', { alertname: 'X', host: 'h1', job: 'node' }), anAlert('b', { alertname: 'X', host: 'h2', job: 'node' })]);
    expect(groupSilenceLabels(group)).toEqual({ alertname: 'X', job: 'node' });
  });

  it(`lists at most ${maxListedGroups} groups within Slack's 50 blocks and says how many more`, () => {
    const groups = Array.from({ length: 20 }, (_, i) => aGroup({ alertname: `A${i}` }, [anAlert(`f${i}`, { alertname: `A${i}` })]));
    const message = renderFiringGroups(groups);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(message.blocks.at(-1)).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: '5 more groups are firing; see Alertmanager.' }] });
  });

  it('leaves the buttons out when the labels do not fit a button value', () => {
    const message = renderFiringGroups([aGroup({ alertname: 'Long', note: 'x'.repeat(2_100) }, [anAlert('a', { alertname: 'Long' })])]);
    expect(message.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(message.blocks)).toContain('Silence this group in Alertmanager');
  });
});

describe('renderSilences', () => {
  it('lists the active silences, soonest end first, each with Expire carrying its id', () => {
    const message = renderSilences([
      aSilence('late', '2026-11-29T09:00:00.000Z'),
      aSilence('gone', '2026-11-28T09:00:00.000Z', 'expired'),
      aSilence('soon', '2026-11-28T11:00:00.000Z'),
    ]);
    expect(message.text).toBe('🔕 2 active silences');
    expect(message.blocks[1]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '`alertname=DiskFull` `host!=~web.*`\nuntil <!date^1795863600^{date_short_pretty} {time}|2026-11-28T11:00:00.000Z> by alice (Slack U0ALICE): disk swap',
      },
      accessory: { type: 'button', action_id: 'silence_expire', text: { type: 'plain_text', text: 'Expire', emoji: true }, value: 'soon', style: 'danger' },
    });
    expect(message.blocks.map((b) => ('accessory' in b ? b.accessory.value : b.type))).toEqual(['header', 'soon', 'late']);
  });

  it('says when none is active', () => {
    expect(renderSilences([aSilence('gone', '2026-11-28T09:00:00.000Z', 'expired')]).text).toBe('No silences are active.');
  });
});

describe('renderChatopsStatus', () => {
  const services = [
    { service: 'chatops@1', host: 'app1', up: true, detail: '10.0.0.1:8441' },
    { service: 'node', host: 'mon1', up: false, detail: '10.0.0.2:9100' },
  ];

  it('reports the up count, each service down, and the alert counts', () => {
    const message = renderChatopsStatus({
      replica: 'app1-1',
      services: { ok: true, value: services },
      alerts: { ok: true, value: { firing: 2, suppressed: 1 } },
    });
    expect(message.text).toBe('⚠️ ChatOps status from app1-1: *Services (Prometheus `up`):* 1/2 up; *Alerts:* 2 firing, 1 silenced or inhibited');
    expect(message.blocks.slice(1)).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: '*Services (Prometheus `up`):* 1/2 up\n• DOWN node on mon1 (10.0.0.2:9100)\nup: chatops@1 on app1' } },
      { type: 'section', text: { type: 'mrkdwn', text: '*Alerts:* 2 firing, 1 silenced or inhibited' } },
    ]);
  });

  it('is green when everything is up and nothing fires', () => {
    const message = renderChatopsStatus({
      replica: 'r',
      services: { ok: true, value: [services[0]!] },
      alerts: { ok: true, value: { firing: 0, suppressed: 0 } },
    });
    expect(message.text).toMatch(/^✅ ChatOps status from r: \*Services \(Prometheus `up`\):\* 1\/1 up;/);
  });

  it('names the source that is down and still shows the other, and says how to get services when Prometheus is not configured', () => {
    const down = renderChatopsStatus({
      replica: 'r',
      services: { ok: true, value: services },
      alerts: { ok: false, problem: 'Alertmanager is unreachable (list alert groups: ECONNREFUSED)' },
    });
    expect(JSON.stringify(down.blocks)).toContain(':warning: *Alerts:* Alertmanager is unreachable (list alert groups: ECONNREFUSED)');
    expect(JSON.stringify(down.blocks)).toContain('1/2 up');
    const unset = renderChatopsStatus({ replica: 'r', alerts: { ok: true, value: { firing: 0, suppressed: 0 } } });
    expect(JSON.stringify(unset.blocks)).toContain('set alerts.prometheusUrl in config.yml');
  });
});

describe('countAlerts', () => {
  it('counts an alert in two groups once', () => {
    const shared = anAlert('a', { alertname: 'X' });
    expect(countAlerts([aGroup({}, [shared, anAlert('b', { alertname: 'Y' }, 'suppressed')]), aGroup({ alertname: 'X' }, [shared])])).toEqual({
      firing: 1,
      suppressed: 1,
    });
  });
});

describe('parseAlertCommand', () => {
  it('reads /alerts and /silences without words, /chatops status, and helps otherwise', () => {
    expect(parseAlertCommand('/alerts', '')).toEqual({ kind: 'read', read: 'firing' });
    expect(parseAlertCommand('/silences', ' ')).toEqual({ kind: 'read', read: 'silences' });
    expect(parseAlertCommand('/chatops', 'Status')).toEqual({ kind: 'read', read: 'status' });
    expect(parseAlertCommand('/chatops', '')).toEqual({ kind: 'help' });
    expect(parseAlertCommand('/chatops', 'reboot all')).toEqual({ kind: 'help', problem: 'I do not know `/chatops reboot all`.' });
    expect(parseAlertCommand('/alerts', 'mine')).toEqual({ kind: 'help', problem: '`/alerts` takes no arguments.' });
    expect(parseAlertCommand('/silences', 'help')).toEqual({ kind: 'help' });
  });
});
