// Body parsing of a verified Slack request: commands and interactivity come form-encoded,
// events as JSON; two kinds are answered by the receiver itself, without Bolt.
export type SlackRequest =
  | { kind: 'url_verification'; challenge: string }
  | { kind: 'ssl_check' }
  | { kind: 'event'; body: Record<string, unknown> }
  | { kind: 'unparseable' };

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

export function parseSlackRequest(raw: string, contentType: string | undefined): SlackRequest {
  let body: Record<string, unknown>;
  try {
    body = parseSlackBody(raw, contentType);
  } catch {
    return { kind: 'unparseable' };
  }
  if (body.type === 'url_verification' && typeof body.challenge === 'string') return { kind: 'url_verification', challenge: body.challenge };
  if (body.ssl_check === '1') return { kind: 'ssl_check' };
  return { kind: 'event', body };
}
