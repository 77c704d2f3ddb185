// Reminder choices (snoozes, "not mine") in Elasticsearch, shared by every replica, and in memory
// for a single replica. One document per scope, kind and PR (core/reminder-choices.ts `choiceId`),
// written with refresh=wait_for so the next digest on any replica sees it.
import type { Client } from '@elastic/elasticsearch';
import { pullRequestKey } from '../core/keys.ts';
import {
  choiceEnd,
  choiceId,
  notMineChoice,
  scopeKey,
  snoozeChoice,
  type ChoiceScope,
  type PullRequestRef,
  type ReminderChoice,
  type ReminderChoices,
  type SnoozeEnd,
} from '../core/reminder-choices.ts';
import { guarded, statusOf } from './errors.ts';

/** The stored document: the choice, its scope as one keyword, and when retention may drop it. */
export interface ChoiceDocument extends Omit<ReminderChoice, 'id'> {
  scopeKey: string;
  /** the snooze's end; absent for "not mine", which stays until taken back */
  expiresAt?: string;
}

export function choiceDocument(choice: ReminderChoice): ChoiceDocument {
  const { id: _id, ...rest } = choice;
  const end = choiceEnd(choice);
  return { ...rest, scopeKey: scopeKey(choice.scope), ...(end ? { expiresAt: end.toISOString() } : {}) };
}

function fromDocument(id: string, document: ChoiceDocument): ReminderChoice {
  const { scopeKey: _scopeKey, expiresAt: _expiresAt, ...rest } = document;
  return { id, ...rest };
}

/** At most this many choices per list: one page of Elasticsearch's default result window. */
const maxListed = 10_000;
/**
 * A write waits for the next refresh (refresh_interval 1 s, on the primary and its replica), and a
 * click or a cycle can wait a few seconds: the timeout of the client the choices and the history
 * are given (coordination.ts), and of each request here.
 */
export const choicesRequestTimeoutMs = 5_000;

export class ElasticReminderChoices implements ReminderChoices {
  constructor(
    private readonly client: Client,
    private readonly index: string,
    private readonly clock: () => Date = () => new Date(),
    private readonly options = { requestTimeout: choicesRequestTimeoutMs },
  ) {}

  async snooze(scope: ChoiceScope, pr: PullRequestRef, end: SnoozeEnd, by: string): Promise<ReminderChoice> {
    return this.put(snoozeChoice(scope, pr, end, by, this.clock()));
  }

  async notMine(user: string, pr: PullRequestRef): Promise<ReminderChoice> {
    return this.put(notMineChoice(user, pr, this.clock()));
  }

  async list(scopes: readonly ChoiceScope[]): Promise<ReminderChoice[]> {
    if (scopes.length === 0) return [];
    const result = await guarded('list reminder choices', () =>
      this.client.search<ChoiceDocument>(
        {
          index: this.index,
          size: maxListed,
          query: { terms: { scopeKey: scopes.map(scopeKey) } },
          sort: [{ chosenAt: 'asc' }],
        },
        this.options,
      ),
    );
    return result.hits.hits.flatMap((hit) => (hit._source && hit._id ? [fromDocument(hit._id, hit._source)] : []));
  }

  async unsnooze(scope: ChoiceScope, pr: PullRequestRef): Promise<boolean> {
    return this.remove(choiceId(scope, 'snooze', pr));
  }

  async undoNotMine(user: string, pr: PullRequestRef): Promise<boolean> {
    return this.remove(choiceId({ kind: 'user', id: user }, 'not-mine', pr));
  }

  async endUntilPush(pr: PullRequestRef): Promise<number> {
    const found = await guarded('find until-push snoozes', () =>
      this.client.search(
        {
          index: this.index,
          size: maxListed,
          _source: false,
          query: { bool: { filter: [{ term: { prKey: pullRequestKey(pr.repository, pr.number) } }, { term: { untilPush: true } }] } },
        },
        this.options,
      ),
    );
    const ids = found.hits.hits.flatMap((hit) => (hit._id ? [hit._id] : []));
    if (ids.length === 0) return 0;
    const result = await guarded('end until-push snoozes', () =>
      this.client.bulk({ refresh: 'wait_for', operations: ids.map((id) => ({ delete: { _index: this.index, _id: id } })) }, this.options),
    );
    return result.items.filter((item) => item.delete?.result === 'deleted').length;
  }

  private async put(choice: ReminderChoice): Promise<ReminderChoice> {
    await guarded('store reminder choice', () =>
      this.client.index({ index: this.index, id: choice.id, document: choiceDocument(choice), refresh: 'wait_for' }, this.options),
    );
    return choice;
  }

  private async remove(id: string): Promise<boolean> {
    try {
      await guarded('remove reminder choice', () => this.client.delete({ index: this.index, id, refresh: 'wait_for' }, this.options));
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }
}

/** A single replica's choices: lost on restart, never shared, so run one replica with it. */
export class MemoryReminderChoices implements ReminderChoices {
  private readonly choices = new Map<string, ReminderChoice>();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  async snooze(scope: ChoiceScope, pr: PullRequestRef, end: SnoozeEnd, by: string): Promise<ReminderChoice> {
    return this.put(snoozeChoice(scope, pr, end, by, this.clock()));
  }

  async notMine(user: string, pr: PullRequestRef): Promise<ReminderChoice> {
    return this.put(notMineChoice(user, pr, this.clock()));
  }

  async list(scopes: readonly ChoiceScope[]): Promise<ReminderChoice[]> {
    const wanted = new Set(scopes.map(scopeKey));
    return [...this.choices.values()].filter((choice) => wanted.has(scopeKey(choice.scope))).map((choice) => structuredClone(choice));
  }

  async unsnooze(scope: ChoiceScope, pr: PullRequestRef): Promise<boolean> {
    return this.choices.delete(choiceId(scope, 'snooze', pr));
  }

  async undoNotMine(user: string, pr: PullRequestRef): Promise<boolean> {
    return this.choices.delete(choiceId({ kind: 'user', id: user }, 'not-mine', pr));
  }

  async endUntilPush(pr: PullRequestRef): Promise<number> {
    const key = pullRequestKey(pr.repository, pr.number);
    let ended = 0;
    for (const [id, choice] of this.choices) {
      if (choice.prKey === key && choice.untilPush && this.choices.delete(id)) ended += 1;
    }
    return ended;
  }

  private put(choice: ReminderChoice): ReminderChoice {
    this.choices.set(choice.id, structuredClone(choice));
    return choice;
  }
}
