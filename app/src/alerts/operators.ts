// Who may act on alerts: a user listed in alerts.operators, or a member of a listed user group
// (its members read from Slack's usergroups.users.list). A group that cannot be read grants
// nothing: the user is refused and told why.

export function operatorGroups(operators: readonly string[]): string[] {
  return operators.filter((id) => id.startsWith('S'));
}

/**
 * `groupMembers` holds the members of each listed user group (usergroups.users.list), read by
 * the caller; a group it lacks counts as empty.
 */
export function isOperator(userId: string, operators: readonly string[], groupMembers: ReadonlyMap<string, readonly string[]>): boolean {
  if (operators.includes(userId)) return true;
  return operatorGroups(operators).some((group) => groupMembers.get(group)?.includes(userId) ?? false);
}

export type OperatorVerdict =
  { ok: true } | { ok: false; reason: 'not_operator' } | { ok: false; reason: 'groups_unreadable'; groups: string[]; detail: string };

/** Reads a user group's members; rejects when Slack does not answer them. */
export type GroupMembersReader = (group: string) => Promise<string[]>;

/**
 * The operator rule with the groups read through `groupMembers`: a listed user needs no read; a
 * member of any group read is granted; otherwise a group that failed to read refuses with why.
 */
export async function checkOperator(userId: string, operators: readonly string[], groupMembers: GroupMembersReader): Promise<OperatorVerdict> {
  if (operators.includes(userId)) return { ok: true };
  const groups = operatorGroups(operators);
  const reads = await Promise.allSettled(groups.map((group) => groupMembers(group)));
  const members = new Map<string, string[]>();
  const failed: { group: string; error: unknown }[] = [];
  reads.forEach((read, i) => {
    const group = groups[i] ?? '';
    if (read.status === 'fulfilled') members.set(group, read.value);
    else failed.push({ group, error: read.reason });
  });
  if (isOperator(userId, operators, members)) return { ok: true };
  if (failed.length === 0) return { ok: false, reason: 'not_operator' };
  const detail = failed.map(({ group, error }) => `${group}: ${error instanceof Error ? error.message : String(error)}`).join('; ');
  return { ok: false, reason: 'groups_unreadable', groups: failed.map((f) => f.group), detail };
}

/** What a refused user reads (ephemerally). */
export function refusalText(verdict: Exclude<OperatorVerdict, { ok: true }>): string {
  if (verdict.reason === 'not_operator') return 'Only the operators listed in alerts.operators (config.yml) may act on alerts.';
  return (
    `I could not read the members of the user group ${verdict.groups.join(', ')} from Slack (${verdict.detail}), ` +
    'so I cannot tell whether you are an operator; nothing was changed. Try again in a minute, or ask an admin to ' +
    'check the app has the usergroups:read scope and the group exists.'
  );
}

/**
 * Caches each group's members for `ttlMs` (a click burst reads Slack once); failures are not
 * cached, so the next click asks Slack again.
 */
export function cachedGroupMembers(read: GroupMembersReader, ttlMs: number, clock: () => number = Date.now): GroupMembersReader {
  const cache = new Map<string, { members: string[]; until: number }>();
  return async (group) => {
    const hit = cache.get(group);
    if (hit && hit.until > clock()) return hit.members;
    const members = await read(group);
    cache.set(group, { members, until: clock() + ttlMs });
    return members;
  };
}

/** Why a click was refused, as its action document and log event say it. */
export function refusalReason(verdict: Exclude<OperatorVerdict, { ok: true }>): string {
  return verdict.reason === 'not_operator' ? 'not an operator' : `user groups unreadable: ${verdict.groups.join(', ')} (${verdict.detail})`;
}
