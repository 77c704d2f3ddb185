// Webhook deliveries seen: one create-if-absent document per X-GitHub-Delivery, so a
// redelivery to any replica is recognised.
import type { Client } from '@elastic/elasticsearch';
import { guarded, statusOf } from './errors.ts';

export class ElasticDeliveryLedger {
  constructor(
    private readonly client: Client,
    private readonly index: string,
    private readonly replica: string,
  ) {}

  /** true when this replica is the first to see the delivery. */
  async claim(delivery: string, event: string, action: string | undefined): Promise<boolean> {
    try {
      await guarded('claim delivery', () =>
        this.client.create({
          index: this.index,
          id: delivery,
          refresh: false,
          document: { event, ...(action ? { action } : {}), replica: this.replica, receivedAt: new Date().toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }

  /** Forgets a delivery whose processing failed, so GitHub's redelivery is processed. */
  async release(delivery: string): Promise<void> {
    try {
      await guarded('release delivery', () => this.client.delete({ index: this.index, id: delivery }));
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }
}
