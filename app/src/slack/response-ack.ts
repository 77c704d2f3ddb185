// The ack and timeout state of one Slack request (bolt-js's HTTPResponseAck): the first of the
// listener's ack(), a listener failure, the listener finishing without an ack, or the timeout
// decides the HTTP answer; a second ack() is an error.
import { ReceiverMultipleAckError } from '@slack/bolt';

export interface AckResult {
  status: number;
  body: string | Record<string, unknown>;
}

export class ResponseAck {
  /** the HTTP answer, once decided */
  readonly result: Promise<AckResult>;
  private settle!: (result: AckResult) => void;
  private acked = false;
  private readonly timer: NodeJS.Timeout;

  /** After `timeoutMs` without an ack, answers 404 and calls `onUnacked` (Slack retries after 3 s). */
  constructor(timeoutMs: number, onUnacked: () => void) {
    this.result = new Promise<AckResult>((resolve) => {
      this.settle = resolve;
    });
    this.timer = setTimeout(() => {
      if (!this.acked) onUnacked();
      this.finish({ status: 404, body: '' });
    }, timeoutMs);
  }

  get isAcked(): boolean {
    return this.acked;
  }

  /** Bolt's `ack(response)`: 200 with the response (empty, text or JSON). */
  readonly ack = async (response?: unknown): Promise<void> => {
    if (this.acked) throw new ReceiverMultipleAckError();
    if (response === undefined || response === null || response === '') this.finish({ status: 200, body: '' });
    else if (typeof response === 'string') this.finish({ status: 200, body: response });
    else this.finish({ status: 200, body: response as Record<string, unknown> });
  };

  /** The listener threw before acking: 500. */
  failed(): void {
    this.finish({ status: 500, body: '' });
  }

  /** The listener is done: no timer left, and 404 if it never acked. */
  done(): void {
    clearTimeout(this.timer);
    this.finish({ status: 404, body: '' });
  }

  private finish(result: AckResult): void {
    if (this.acked) return;
    this.acked = true;
    this.settle(result);
  }
}

/** The answer to a signed slash command without a response_url (Slack always sends one; a forged body may not). */
export const noResponseUrlText = 'This command came without a response_url to answer through; nothing was read.';
