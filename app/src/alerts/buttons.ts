// What a click on an alert message's button does, behind the Bolt listener: the operator rule,
// then the silence in Alertmanager (or the acknowledgement), then the group's record and the
// message itself. Answers the text the clicking user sees ephemerally; nothing half-done.
import type { Logger } from 'pino';
import type { SlackPoster } from '../core/ports.ts';
import { alertActions, silenceLengths, type AlertActionId } from './actions.ts';
import { AlertmanagerRejectedError, AlertmanagerUnavailableError, type AlertmanagerClient } from './alertmanager.ts';
import type { AlertLedger, AlertMessageRecord } from './ledger.ts';
import { checkOperator, refusalText } from './operators.ts';
import { renderAlertGroup, type AlertLinks, type GroupState } from './render.ts';
import { buildSilence, type SlackActor } from './silence.ts';

export interface AlertClick {
  actionId: string;
  /** the button's value: the message key */
  key: string;
  user: SlackActor;
  channel: string;
}

export interface ClickAnswer {
  ok: boolean;
  /** shown to the clicking user only */
  text: string;
}

export interface AlertButtonsOptions {
  ledger: AlertLedger;
  alertmanager: Pick<AlertmanagerClient, 'createSilence' | 'expireSilence'>;
  slack: SlackPoster;
  operators: readonly string[];
  /** members of a Slack user group (usergroups.users.list) */
  groupMembers: (group: string) => Promise<string[]>;
  timeZone: string;
  links: AlertLinks;
  logger: Logger;
  clock?: () => Date;
}

const known = new Set<string>(Object.values(alertActions));

export class AlertButtons {
  private readonly clock: () => Date;

  constructor(private readonly options: AlertButtonsOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  async click(click: AlertClick): Promise<ClickAnswer> {
    const { logger } = this.options;
    const event = { 'event.action': click.actionId, 'user.id': click.user.id, 'user.name': click.user.name, channel: click.channel, messageKey: click.key };
    if (!known.has(click.actionId)) return { ok: false, text: `Unknown alert action ${click.actionId}.` };
    const verdict = await checkOperator(click.user.id, this.options.operators, this.options.groupMembers);
    if (!verdict.ok) {
      logger.warn({ ...event, 'event.outcome': 'failure', reason: verdict.reason }, 'alert action refused');
      return { ok: false, text: refusalText(verdict) };
    }
    const found = await this.options.ledger.findMessage(click.key);
    if (!found?.value.ts) return { ok: false, text: 'This alert message is no longer known to ChatOps; act on it in Alertmanager.' };
    try {
      const change = await this.change(click.actionId as AlertActionId, found.value, click.user);
      await this.save(click.key, change);
      logger.info({ ...event, 'event.outcome': 'success', silenceId: change.silence?.id ?? found.value.silence?.id }, 'alert action done');
      return { ok: true, text: describe(click.actionId, change) };
    } catch (error) {
      if (error instanceof AlertmanagerUnavailableError || error instanceof AlertmanagerRejectedError) {
        logger.warn({ ...event, 'event.outcome': 'failure', err: error }, 'alert action failed at Alertmanager');
        return { ok: false, text: `${error.message}. Nothing was changed; try again once Alertmanager answers.` };
      }
      throw error;
    }
  }

  /** The state change to record; Alertmanager is asked first, so a failure there changes nothing. */
  private async change(actionId: AlertActionId, record: AlertMessageRecord, user: SlackActor): Promise<GroupState> {
    const now = this.clock();
    switch (actionId) {
      case alertActions.acknowledge:
        return { acknowledgedBy: { userId: user.id, at: now.toISOString() } };
      case alertActions.unsilence:
        if (record.silence) await this.options.alertmanager.expireSilence(record.silence.id);
        return { silence: undefined };
      default: {
        const silence = buildSilence({
          payload: record.payload,
          length: silenceLengths[actionId],
          timeZone: this.options.timeZone,
          now,
          actor: user,
          channel: record.channel,
        });
        const id = await this.options.alertmanager.createSilence(silence);
        return { silence: { id, endsAt: silence.endsAt, createdBy: silence.createdBy } };
      }
    }
  }

  private async save(key: string, change: GroupState): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const found = await this.options.ledger.findMessage(key);
      if (!found) return;
      const record: AlertMessageRecord = { ...found.value, ...change, updatedAt: this.clock().toISOString() };
      if ('silence' in change && change.silence === undefined) delete record.silence;
      if ((await this.options.ledger.replaceMessage(key, record, found.version)) === undefined) continue;
      const message = renderAlertGroup(record.payload, record, this.options.links, key);
      await this.options.slack.call({ method: 'chat.update', args: { channel: record.channel, ts: record.ts, text: message.text, blocks: message.blocks } });
      return;
    }
    throw new Error(`alert message ${key}: the record kept changing; the action is done in Alertmanager but not shown`);
  }
}

function describe(actionId: string, change: GroupState): string {
  if (actionId === alertActions.acknowledge) return 'Acknowledged: the message shows you took it.';
  if (actionId === alertActions.unsilence) return 'Silence expired: notifications for this group resume.';
  return `Silenced until ${change.silence?.endsAt ?? ''} (silence ${change.silence?.id ?? ''}).`;
}
