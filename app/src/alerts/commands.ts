// What `/alerts`, `/silences` and `/chatops status` answer, and what their buttons do, behind the
// Bolt listeners. Reading is for everyone; silencing and expiring follow the operator rule of the
// alert buttons. Alertmanager or Prometheus not answering becomes an answer naming it (their
// request counters count it), never an exception for Slack to see as a 5xx.
import type { Logger } from 'pino';
import { z } from 'zod';
import { recordAlertAction, type AlertActionLog } from './action-log.ts';
import { context, escapeMrkdwn } from '../core/messages.ts';
import { servicesFromUp } from '../core/service-status.ts';
import { alertCommandActions, listSilenceLengths, type AlertCommandActionId } from './actions.ts';
import { AlertmanagerRejectedError, AlertmanagerUnavailableError, type AlertmanagerClient } from './alertmanager.ts';
import type { ClickAnswer } from './buttons.ts';
import { countAlerts, renderChatopsStatus, renderFiringGroups, renderSilences, type CommandMessage, type Reading, type StatusView } from './command-render.ts';
import { checkOperator, refusalReason, refusalText, type GroupMembersReader } from './operators.ts';
import { PrometheusUnavailableError, type PrometheusClient } from './prometheus.ts';
import { buildSilence, type SlackActor } from './silence.ts';

export interface AlertCommandsOptions {
  alertmanager: Pick<AlertmanagerClient, 'alertGroups' | 'listSilences' | 'createSilence' | 'expireSilence'>;
  /** undefined when alerts.prometheusUrl is not set */
  prometheus?: Pick<PrometheusClient, 'instantVector'>;
  operators: readonly string[];
  groupMembers: GroupMembersReader;
  timeZone: string;
  /** how `/chatops status` names the replica answering */
  replica: string;
  logger: Logger;
  clock?: () => Date;
  /** one document per click (Elasticsearch or memory), like the alert message buttons */
  actionLog?: AlertActionLog;
}

/** A click's answer; after an Expire, the refreshed `/silences` list replaces the one clicked. */
export interface CommandClickAnswer extends ClickAnswer {
  replacement?: CommandMessage;
  /** the silence made or expired, for the action's document */
  silence?: { id: string; endsAt?: string };
}

export interface CommandClick {
  actionId: string;
  value: string;
  user: SlackActor;
  channel: string;
}

/** What an answer says when a dependency did not answer; anything else is our bug and throws. */
function unavailable(error: unknown): string | undefined {
  if (error instanceof AlertmanagerUnavailableError || error instanceof AlertmanagerRejectedError || error instanceof PrometheusUnavailableError) {
    return error.message;
  }
  return undefined;
}

const labelsSchema = z.record(z.string(), z.string()).refine((labels) => Object.keys(labels).length > 0);

export class AlertCommands {
  private readonly clock: () => Date;

  constructor(private readonly options: AlertCommandsOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** `/alerts` */
  async firing(): Promise<CommandMessage> {
    return this.read('/alerts', async () => renderFiringGroups(await this.options.alertmanager.alertGroups()));
  }

  /** `/silences` */
  async silences(): Promise<CommandMessage> {
    return this.read('/silences', async () => renderSilences(await this.options.alertmanager.listSilences()));
  }

  /** `/chatops status`: both sources read at once; one down still shows the other. */
  async status(): Promise<CommandMessage> {
    const [services, alerts] = await Promise.all([
      this.options.prometheus ? this.reading(async () => servicesFromUp(await this.options.prometheus!.instantVector('up'))) : undefined,
      this.reading(async () => countAlerts(await this.options.alertmanager.alertGroups())),
    ]);
    const view: StatusView = { replica: this.options.replica, alerts, ...(services ? { services } : {}) };
    if (!alerts.ok || services?.ok === false) this.options.logger.warn({ command: '/chatops status', view }, 'status answered with a source down');
    return renderChatopsStatus(view);
  }

  /** A click on a button of an `/alerts` or `/silences` answer. */
  async click(click: CommandClick): Promise<CommandClickAnswer> {
    const { logger } = this.options;
    const event = { 'event.action': click.actionId, 'user.id': click.user.id, 'user.name': click.user.name, channel: click.channel };
    const verdict = await checkOperator(click.user.id, this.options.operators, this.options.groupMembers);
    if (!verdict.ok) {
      await this.audit(click, { ok: false, reason: refusalReason(verdict) });
      return { ok: false, text: refusalText(verdict) };
    }
    try {
      const answer = await this.act(click);
      await this.audit(click, { ok: answer.ok, ...(answer.silence ? { silence: answer.silence } : {}), ...(answer.ok ? {} : { reason: answer.text }) });
      return answer;
    } catch (error) {
      const problem = unavailable(error);
      if (!problem) throw error;
      logger.warn({ ...event, err: error }, 'alert command action failed at Alertmanager');
      await this.audit(click, { ok: false, reason: problem });
      return { ok: false, text: `${problem}. Nothing was changed; try again once Alertmanager answers.` };
    }
  }

  /** The click's ECS log event and its document: who, what, when, the silence. */
  private async audit(click: CommandClick, result: { ok: boolean; reason?: string; silence?: { id: string; endsAt?: string } }): Promise<void> {
    await recordAlertAction(this.options.actionLog, this.options.logger, {
      '@timestamp': this.clock().toISOString(),
      action: click.actionId,
      outcome: result.ok ? 'success' : 'failure',
      user: { id: click.user.id, name: click.user.name },
      channel: click.channel,
      messageKey: click.value,
      ...(result.silence ? { silenceId: result.silence.id, ...(result.silence.endsAt ? { silenceEndsAt: result.silence.endsAt } : {}) } : {}),
      ...(result.reason ? { reason: result.reason } : {}),
      replica: this.options.replica,
    });
  }

  private async act(click: CommandClick): Promise<CommandClickAnswer> {
    const actionId = click.actionId as AlertCommandActionId;
    if (actionId === alertCommandActions.expireSilence) {
      await this.options.alertmanager.expireSilence(click.value);
      const text = `Silence ${click.value} expired: its alerts notify again.`;
      // The expiry is done: a list that cannot be read now only leaves the old one in place.
      const list = await this.reading(() => this.options.alertmanager.listSilences());
      return { ok: true, text, silence: { id: click.value }, ...(list.ok ? { replacement: withNote(text, renderSilences(list.value)) } : {}) };
    }
    const length = listSilenceLengths[actionId];
    if (!length) return { ok: false, text: `Unknown alert action ${click.actionId}.` };
    const labels = labelsSchema.safeParse(safeJson(click.value));
    if (!labels.success) return { ok: false, text: 'This button does not name an alert group any more; run /alerts again.' };
    const silence = buildSilence({
      payload: { groupLabels: labels.data, commonLabels: labels.data },
      length,
      timeZone: this.options.timeZone,
      now: this.clock(),
      actor: click.user,
      channel: click.channel,
    });
    const id = await this.options.alertmanager.createSilence(silence);
    const matched = Object.entries(labels.data)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    return { ok: true, text: `Silenced ${matched} until ${silence.endsAt} (silence ${id}).`, silence: { id, endsAt: silence.endsAt } };
  }

  private async read(command: string, answer: () => Promise<CommandMessage>): Promise<CommandMessage> {
    try {
      return await answer();
    } catch (error) {
      const problem = unavailable(error);
      if (!problem) throw error;
      this.options.logger.warn({ command, err: error }, 'alert command could not read Alertmanager');
      return { text: `${problem}. Try again in a minute.`, blocks: [] };
    }
  }

  private async reading<T>(read: () => Promise<T>): Promise<Reading<T>> {
    try {
      return { ok: true, value: await read() };
    } catch (error) {
      const problem = unavailable(error);
      if (!problem) throw error;
      return { ok: false, problem };
    }
  }
}

/** The list with what was just done on top; the text (notifications) says what was done. */
function withNote(note: string, message: CommandMessage): CommandMessage {
  return { text: note, blocks: [context(`✔️ ${escapeMrkdwn(note)}`), ...message.blocks] };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A value that is not JSON is answered like one naming no group.
    return undefined;
  }
}
