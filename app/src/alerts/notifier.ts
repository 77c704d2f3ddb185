// One Slack message per alert group and channel: the first notification posts it, later ones
// (changes, resolve) edit it in place. Across replicas the ledger makes each notification count
// once and gives the group's message to the first replica that reserves it.
import type { Logger } from 'pino';
import type { SlackPoster } from '../core/ports.ts';
import { notificationId, type AlertLedger, type AlertMessageRecord, type Versioned } from './ledger.ts';
import type { WebhookPayload } from './payload.ts';
import { messageKey, renderAlertGroup, type AlertLinks } from './render.ts';

export type NotifyOutcome = 'posted' | 'updated' | 'duplicate';

export interface AlertNotifierOptions {
  ledger: AlertLedger;
  slack: SlackPoster;
  links: AlertLinks;
  replica: string;
  logger: Logger;
  clock?: () => Date;
  /** how long to wait for another replica that reserved the group's message to post it */
  reservationWaitMs?: number;
}

export class AlertNotifier {
  private readonly clock: () => Date;

  constructor(private readonly options: AlertNotifierOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  async notify(channel: string, payload: WebhookPayload): Promise<NotifyOutcome> {
    const { ledger } = this.options;
    const key = messageKey(channel, payload.groupKey);
    const notification = notificationId(key, payload);
    if (!(await ledger.claimNotification(notification, key))) return 'duplicate';
    try {
      return await this.deliver(key, channel, payload);
    } catch (error) {
      await ledger
        .releaseNotification(notification)
        .catch((releaseError: unknown) => this.options.logger.error({ err: releaseError, notification }, 'could not release the alert notification'));
      throw error;
    }
  }

  private async deliver(key: string, channel: string, payload: WebhookPayload): Promise<NotifyOutcome> {
    const { ledger } = this.options;
    // Bounded: each round loses only to another replica's concurrent change.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      let found = await ledger.findMessage(key);
      // A resolved group that fires again is a new incident: a new message.
      if (found && found.value.status === 'resolved' && payload.status === 'firing') {
        if (!(await ledger.removeMessage(key, found.version))) continue;
        found = undefined;
      }
      if (!found) {
        const now = this.clock().toISOString();
        const record: AlertMessageRecord = {
          groupKey: payload.groupKey,
          channel,
          status: payload.status,
          replica: this.options.replica,
          postedAt: now,
          updatedAt: now,
          payload,
        };
        const version = await ledger.reserveMessage(key, record);
        if (version === undefined) continue;
        await this.post(key, record, version);
        return 'posted';
      }
      const posted = found.value.ts ? found : await this.waitForTs(key);
      if (await this.update(key, posted, payload)) return 'updated';
    }
    throw new Error(`alert message ${key}: the record kept changing under this replica; Alertmanager will retry`);
  }

  private async post(key: string, record: AlertMessageRecord, version: string): Promise<void> {
    const message = renderAlertGroup(record.payload, record, this.options.links, key);
    let ts: string;
    try {
      ts = (
        await this.options.slack.call({
          method: 'chat.postMessage',
          args: { channel: record.channel, text: message.text, blocks: message.blocks, unfurl_links: false },
        })
      ).ts;
    } catch (error) {
      // Nothing reached Slack: free the group so the retry posts.
      await this.options.ledger.removeMessage(key, version);
      throw error;
    }
    // The post is done; another replica waits for this ts, so keep trying to record it.
    let current: Versioned<AlertMessageRecord> | undefined = { value: record, version };
    for (let attempt = 0; attempt < 5 && current; attempt += 1) {
      if (await this.options.ledger.replaceMessage(key, { ...current.value, ts }, current.version)) return;
      current = await this.options.ledger.findMessage(key);
    }
    throw new Error(`alert message ${key}: posted as ${ts} but the record could not be saved`);
  }

  private async waitForTs(key: string): Promise<Versioned<AlertMessageRecord>> {
    const deadline = Date.now() + (this.options.reservationWaitMs ?? 5_000);
    for (;;) {
      const found = await this.options.ledger.findMessage(key);
      if (found?.value.ts) return found;
      if (Date.now() > deadline) throw new Error(`alert message ${key}: another replica reserved it but has not posted it`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async update(key: string, found: Versioned<AlertMessageRecord>, payload: WebhookPayload): Promise<boolean> {
    const record: AlertMessageRecord = { ...found.value, payload, status: payload.status, updatedAt: this.clock().toISOString() };
    // Record first: a lost race leaves Slack untouched and the next round renders the newer state.
    const version = await this.options.ledger.replaceMessage(key, record, found.version);
    if (version === undefined) return false;
    const message = renderAlertGroup(payload, record, this.options.links, key);
    await this.options.slack.call({ method: 'chat.update', args: { channel: record.channel, ts: record.ts, text: message.text, blocks: message.blocks } });
    return true;
  }
}
