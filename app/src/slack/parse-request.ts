// Body parsing of a verified Slack request: commands and interactivity come form-encoded,
// events as JSON; two kinds are answered by the receiver itself, without Bolt.
export type SlackRequest =
  | { kind: 'url_verification'; challenge: string }
  | { kind: 'ssl_check' }
  | { kind: 'event'; body: Record<string, unknown> }
  | { kind: 'unparseable' }
  | { kind: 'malformed'; problem: string };

/** Slack sends commands and interactivity form-encoded, events as JSON. */
export function parseSlackBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(raw);
    const payload = form.get('payload');
    if (payload !== null) return JSON.parse(payload) as Record<string, unknown>;
    return Object.fromEntries(form.entries());
  }
  return JSON.parse(raw) as Record<string, unknown>;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What Bolt's dispatch would trip over in a signed payload (it dereferences these fields unchecked);
 * a malformed payload is the sender's 400, not a listener failure.
 */
export function slackPayloadProblem(body: unknown): string | undefined {
  if (!isObject(body)) return 'body must be a JSON object (or a form whose payload field is one)';
  // Bolt keys its client pools by these IDs in a plain object: "constructor" or "__proto__" would hit Object's own.
  const field = (value: unknown, key: string): unknown => (isObject(value) ? value[key] : undefined);
  const ids: [string, unknown][] = [
    ['team_id', body.team_id],
    ['team.id', field(body.team, 'id')],
    ['user.team_id', field(body.user, 'team_id')],
    ['enterprise_id', body.enterprise_id],
    ['enterprise.id', field(body.enterprise, 'id')],
    ['team.enterprise_id', field(body.team, 'enterprise_id')],
    ['view.app_installed_team_id', field(body.view, 'app_installed_team_id')],
    ['authorizations[0].team_id', field(Array.isArray(body.authorizations) ? body.authorizations[0] : undefined, 'team_id')],
    ['authorizations[0].enterprise_id', field(Array.isArray(body.authorizations) ? body.authorizations[0] : undefined, 'enterprise_id')],
  ];
  // Slack sends these as strings (enterprise ids may be null); anything else, or a string naming
  // one of Object's own members, would reach Bolt's pools as a key.
  const inherited = ids.find(([, id]) => (typeof id === 'string' ? id in Object.prototype : id !== undefined && id !== null));
  if (inherited) return `${inherited[0]} is not a Slack ID`;
  if (body.event !== undefined) {
    const event = body.event;
    if (!isObject(event)) return 'event must be an object';
    if ('channel' in event && typeof event.channel !== 'string' && !isObject(event.channel)) return 'event.channel must be a string or an object';
    if ('item' in event && !isObject(event.item)) return 'event.item must be an object';
    if ('user' in event && typeof event.user !== 'string' && !isObject(event.user)) return 'event.user must be a string or an object';
    if ('subteam' in event && !isObject(event.subteam)) return 'event.subteam must be an object';
    if (Array.isArray(body.authorizations) && body.authorizations.length > 0 && !isObject(body.authorizations[0])) return 'authorizations must hold objects';
    return undefined;
  }
  if (body.command !== undefined) {
    const missing = ['command', 'text'].find((key) => typeof body[key] !== 'string');
    return missing ? `${missing} is required in a slash command` : undefined;
  }
  const interactive =
    body.name !== undefined ||
    body.actions !== undefined ||
    ['block_suggestion', 'dialog_submission', 'workflow_step_edit', 'shortcut', 'message_action', 'view_submission', 'view_closed'].includes(String(body.type));
  if (!interactive) return undefined;
  if (!isObject(body.user)) return 'user must be an object';
  if (body.actions !== undefined && !(Array.isArray(body.actions) && isObject(body.actions[0]))) return 'actions must be a list of objects';
  if ((body.type === 'view_submission' || body.type === 'view_closed') && !isObject(body.view)) return 'view must be an object';
  return undefined;
}

export function parseSlackRequest(raw: string, contentType: string | undefined): SlackRequest {
  let body: Record<string, unknown>;
  try {
    body = parseSlackBody(raw, contentType);
  } catch {
    return { kind: 'unparseable' };
  }
  const problem = slackPayloadProblem(body);
  if (problem !== undefined) return { kind: 'malformed', problem };
  if (body.type === 'url_verification' && typeof body.challenge === 'string') return { kind: 'url_verification', challenge: body.challenge };
  if (body.ssl_check === '1') return { kind: 'ssl_check' };
  return { kind: 'event', body };
}
