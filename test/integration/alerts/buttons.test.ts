// The alert buttons' work against a real Alertmanager 0.25 and the Slack fake: an operator's
// Silence 1 h creates a silence amtool sees and the message shows it with Unsilence; Unsilence
// expires it; Acknowledge shows who; a non-operator (or a user group's non-member) is refused
// with nothing changed; user groups are read from the Slack fake's usergroups.users.list, and a
// group Slack will not answer refuses with why; with Alertmanager down the user is told so and
// nothing changes.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertActions } from '../../../app/src/alerts/actions.ts';
import { AlertmanagerClient } from '../../../app/src/alerts/alertmanager.ts';
import { AlertButtons } from '../../../app/src/alerts/buttons.ts';
import { MemoryAlertLedger } from '../../../app/src/alerts/ledger.ts';
import { cachedGroupMembers } from '../../../app/src/alerts/operators.ts';
import { AlertNotifier } from '../../../app/src/alerts/notifier.ts';
import { parseWebhookPayload } from '../../../app/src/alerts/payload.ts';
import { messageKey } from '../../../app/src/alerts/render.ts';
import { createMetrics } from '../../../app/src/metrics.ts';
import { slackGroupMembers } from '../../../app/src/slack/usergroups.ts';
import { SlackWebApi } from '../../../app/src/slack/web-api.ts';
import { startSlackFake, type SlackFake } from '../../../sandbox/slack.ts';
import { startAlertmanager, type RunningAlertmanager } from '../../support/alertmanager.ts';
import { freePort } from '../../support/monitoring.ts';
import { createTestCertificates, type TestCertificates } from '../../support/test-certificates.ts';

const logger = pino({ level: 'silent' });
const alice = { id: 'U0ALICE', name: 'alice' };
const bob = { id: 'U0BOB', name: 'bob' };
const eve = { id: 'U0EVE', name: 'eve' };
const carol = { id: 'U0CAROL', name: 'carol' };

describe('alert buttons against Alertmanager 0.25', () => {
  let certificates: TestCertificates;
  let alertmanager: RunningAlertmanager;
  let slack: SlackFake;
  let client: AlertmanagerClient;
  const metrics = createMetrics({ defaultMetrics: false });
  const ledger = new MemoryAlertLedger();
  let buttons: AlertButtons;
  let poster: SlackWebApi;
  let key: string;

  const blocksText = (): string => JSON.stringify(slack.messages('C0ALERTS')[0]?.blocks ?? []);
  const silences = async (): Promise<{ id: string; createdBy: string; status: { state: string } }[]> => {
    const query = await alertmanager.amtool(['silence', 'query', '--output=json', 'alertname=ButtonTest']);
    expect(query.code, query.stderr).toBe(0);
    return JSON.parse(query.stdout) as { id: string; createdBy: string; status: { state: string } }[];
  };

  beforeAll(async () => {
    certificates = await createTestCertificates();
    [alertmanager, slack] = await Promise.all([
      startAlertmanager(certificates, { route: { receiver: 'nobody' }, receivers: [{ name: 'nobody' }] }),
      startSlackFake({ host: '127.0.0.1', tls: { cert: certificates.cert, key: certificates.key } }),
    ]);
    client = new AlertmanagerClient({ url: alertmanager.url, caFile: certificates.caFile, auth: alertmanager.auth, timeoutMs: 5_000, metrics });
    poster = new SlackWebApi({ token: slack.botToken, apiUrl: slack.apiUrl, caFile: certificates.caFile, logger, metrics, retries: 0 });
    const parsed = parseWebhookPayload({
      version: '4',
      groupKey: '{}:{alertname="ButtonTest"}',
      status: 'firing',
      receiver: 'chatops',
      groupLabels: { alertname: 'ButtonTest' },
      commonLabels: { alertname: 'ButtonTest', severity: 'critical' },
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'ButtonTest', severity: 'critical' },
          startsAt: new Date().toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: 'b1',
        },
      ],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    slack.addUserGroup({ id: 'S0ONCALL', users: ['U0BOB'] });
    slack.addUserGroup({ id: 'S0RETIRED', users: ['U0CAROL'], disabled: true });
    await new AlertNotifier({ ledger, slack: poster, links: {}, replica: 'r1', logger }).notify('C0ALERTS', parsed.payload);
    key = messageKey('C0ALERTS', parsed.payload.groupKey);
    buttons = new AlertButtons({
      ledger,
      alertmanager: client,
      slack: poster,
      operators: ['U0ALICE', 'S0ONCALL'],
      groupMembers: cachedGroupMembers(slackGroupMembers(poster), 60_000),
      timeZone: 'Europe/Berlin',
      links: {},
      logger,
    });
  });

  afterAll(async () => {
    await client?.close();
    await alertmanager?.stop();
    await slack?.close();
    await certificates?.remove();
  });

  it('refuses a user who is neither listed nor in a listed group, changing nothing', async () => {
    const answer = await buttons.click({ actionId: alertActions.silence1h, key, user: eve, channel: 'C0ALERTS' });
    expect(answer).toEqual({ ok: false, text: 'Only the operators listed in alerts.operators (config.yml) may act on alerts.' });
    expect(await silences()).toEqual([]);
    expect(slack.messages('C0ALERTS')[0]?.edited).toBe(false);
  });

  it('silences the group for an operator, shows it on the message, and Unsilence expires it', async () => {
    const answer = await buttons.click({ actionId: alertActions.silence1h, key, user: alice, channel: 'C0ALERTS' });
    expect(answer.ok, answer.text).toBe(true);
    const [silence] = await silences();
    expect(silence?.createdBy).toBe('alice (Slack U0ALICE)');
    expect(answer.text).toContain(`(silence ${silence?.id})`);
    expect(blocksText()).toContain('Silenced until');
    expect(blocksText()).toContain(alertActions.unsilence);
    expect(blocksText()).not.toContain(alertActions.silence1h);

    // bob is an operator through the S0ONCALL user group
    expect((await buttons.click({ actionId: alertActions.unsilence, key, user: bob, channel: 'C0ALERTS' })).ok).toBe(true);
    expect(await silences()).toEqual([]);
    expect(blocksText()).not.toContain('Silenced until');
    expect(blocksText()).toContain(alertActions.silence1h);
  });

  it("refuses a disabled group's member: Slack answers no_such_subteam without include_disabled", async () => {
    const retired = new AlertButtons({
      ledger,
      alertmanager: client,
      slack: poster,
      operators: ['S0RETIRED'],
      groupMembers: slackGroupMembers(poster),
      timeZone: 'UTC',
      links: {},
      logger,
    });
    const answer = await retired.click({ actionId: alertActions.silence1h, key, user: carol, channel: 'C0ALERTS' });
    expect(answer.ok).toBe(false);
    expect(answer.text).toMatch(
      /^I could not read the members of the user group S0RETIRED from Slack \(S0RETIRED: Slack usergroups\.users\.list failed: no_such_subteam\)/,
    );
    expect(await silences()).toEqual([]);
    const asked = slack.calls.filter((c) => c.method === 'usergroups.users.list').map((c) => [c.args.usergroup, c.args.include_disabled, c.response.ok]);
    expect(asked).toContainEqual(['S0RETIRED', false, false]);
  });

  it('refuses (never grants) when the token lacks usergroups:read, naming the scope, and changes nothing', async () => {
    const fresh = new AlertButtons({
      ledger,
      alertmanager: client,
      slack: poster,
      operators: ['U0ALICE', 'S0ONCALL'],
      groupMembers: slackGroupMembers(poster),
      timeZone: 'UTC',
      links: {},
      logger,
    });
    const before = blocksText();
    slack.failNext('usergroups.users.list', 'missing_scope');
    const answer = await fresh.click({ actionId: alertActions.silence1h, key, user: bob, channel: 'C0ALERTS' });
    expect(answer).toEqual({
      ok: false,
      text:
        'I could not read the members of the user group S0ONCALL from Slack (S0ONCALL: Slack usergroups.users.list failed: missing_scope), ' +
        'so I cannot tell whether you are an operator; nothing was changed. Try again in a minute, or ask an admin to check the app has the ' +
        'usergroups:read scope and the group exists.',
    });
    expect(await silences()).toEqual([]);
    expect(blocksText()).toBe(before);
  });

  it('reads a group once within the cache time', () => {
    const reads = slack.calls.filter((c) => c.method === 'usergroups.users.list' && c.args.usergroup === 'S0ONCALL' && c.response.ok === true);
    expect(reads).toHaveLength(1);
  });

  it('records who acknowledged', async () => {
    expect((await buttons.click({ actionId: alertActions.acknowledge, key, user: alice, channel: 'C0ALERTS' })).ok).toBe(true);
    expect(blocksText()).toContain('Acknowledged by <@U0ALICE>');
    expect(blocksText()).not.toContain(alertActions.acknowledge);
  });

  it('tells the user when Alertmanager is unreachable and changes nothing', async () => {
    const down = new AlertmanagerClient({ url: `https://127.0.0.1:${await freePort()}`, caFile: certificates.caFile, timeoutMs: 2_000, metrics });
    const offline = new AlertButtons({
      ledger,
      alertmanager: down,
      slack: new SlackWebApi({ token: slack.botToken, apiUrl: slack.apiUrl, caFile: certificates.caFile, logger, metrics, retries: 0 }),
      operators: ['U0ALICE'],
      groupMembers: () => Promise.resolve([]),
      timeZone: 'UTC',
      links: {},
      logger,
    });
    const before = blocksText();
    const answer = await offline.click({ actionId: alertActions.silence4h, key, user: alice, channel: 'C0ALERTS' });
    await down.close();
    expect(answer.ok).toBe(false);
    expect(answer.text).toMatch(/^Alertmanager is unreachable \(create silence: ECONNREFUSED\)\. Nothing was changed/);
    expect(blocksText()).toBe(before);
    expect(await silences()).toEqual([]);
    expect(await metrics.registry.getSingleMetricAsString('chatops_alertmanager_requests_total')).toContain(
      'operation="create silence",outcome="unreachable"} 1',
    );
  });
});
