// What a click on an alert message's button does, behind the Bolt listener: the operator rule,
// then the silence in Alertmanager (or the acknowledgement), then the group's record and the
// message itself. Answers the text the clicking user sees ephemerally; nothing half-done.
import type { Logger } from 'pino';
import type { SlackPoster } from '../core/ports.ts';
import { recordAlertAction, type AlertActionLog, type AlertActionRecord } from './action-log.ts';
import { alertActions, silenceLengths, type AlertActionId } from './actions.ts';
import { AlertmanagerRejectedError, AlertmanagerUnavailableError, type AlertmanagerClient } from './alertmanager.ts';
import type { AlertLedger, AlertMessageRecord } from './ledger.ts';
import { checkOperator, refusalReason, refusalText } from './operators.ts';
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
  /** one document per click (Elasticsearch or memory); the ECS log event is written either way */
  actionLog?: AlertActionLog;
  /** this replica's id, in each action document */
  replica?: string;
}

const known = new Set<string>(Object.values(alertActions));

export class AlertButtons {
  private readonly clock: () => Date;

  constructor(private readonly options: AlertButtonsOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  async click(click: AlertClick): Promise<ClickAnswer> {
    if (!known.has(click.actionId)) return { ok: false, text: `Unknown alert action ${click.actionId}.` };
    const verdict = await checkOperator(click.user.id, this.options.operators, this.options.groupMembers);
    if (!verdict.ok) {
      await this.audit(click, undefined, { outcome: 'failure', reason: refusalReason(verdict) });
      return { ok: false, text: refusalText(verdict) };
    }
    const found = await this.options.ledger.findMessage(click.key);
    if (!found?.value.ts) return { ok: false, text: 'This alert message is no longer known to ChatOps; act on it in Alertmanager.' };
    try {
      const change = await this.change(click.actionId as AlertActionId, found.value, click.user);
      await this.save(click.key, change);
      await this.audit(click, found.value, { outcome: 'success', silence: change.silence ?? found.value.silence });
      return { ok: true, text: describe(click.actionId, change) };
    } catch (error) {
      if (error instanceof AlertmanagerUnavailableError || error instanceof AlertmanagerRejectedError) {
        await this.audit(click, found.value, { outcome: 'failure', reason: error.message });
        return { ok: false, text: `${error.message}. Nothing was changed; try again once Alertmanager answers.` };
      }
      throw error;
    }
  }

  /** The click's ECS log event and its document: who, what, when, which group, the silence. */
  private async audit(
    click: AlertClick,
    record: AlertMessageRecord | undefined,
    result: { outcome: AlertActionRecord['outcome']; reason?: string; silence?: GroupState['silence'] },
  ): Promise<void> {
    await recordAlertAction(this.options.actionLog, this.options.logger, {
      '@timestamp': this.clock().toISOString(),
      action: click.actionId,
      outcome: result.outcome,
      user: { id: click.user.id, name: click.user.name },
      channel: click.channel,
      messageKey: click.key,
      ...(record ? { groupKey: record.groupKey } : {}),
      ...(record?.payload.commonLabels.alertname ? { alertname: record.payload.commonLabels.alertname } : {}),
      ...(result.silence ? { silenceId: result.silence.id, silenceEndsAt: result.silence.endsAt } : {}),
      ...(result.reason ? { reason: result.reason } : {}),
      replica: this.options.replica ?? 'unknown',
    });
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
