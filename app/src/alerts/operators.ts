// Who may act on alerts: a user listed in alerts.operators, or a member of a listed user group.

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
