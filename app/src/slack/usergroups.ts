// A Slack user group's members through usergroups.users.list (bot scope usergroups:read), for
// the operator rule on alerts. Slack's errors (no_such_subteam, missing_scope, ...) reject.
import type { GroupMembersReader } from '../alerts/operators.ts';
import type { SlackWebApi } from './web-api.ts';

export function slackGroupMembers(api: Pick<SlackWebApi, 'apiCall'>): GroupMembersReader {
  return async (group) => {
    // A disabled group grants nothing, so its members are not asked for.
    const result = await api.apiCall('usergroups.users.list', { usergroup: group, include_disabled: false });
    const users: unknown = result.users;
    if (!Array.isArray(users)) throw new Error(`Slack usergroups.users.list answered without a users list for ${group}`);
    return users.filter((user): user is string => typeof user === 'string');
  };
}
