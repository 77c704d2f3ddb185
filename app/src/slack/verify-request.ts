// Signature verification of a Slack request (X-Slack-Signature over the raw body and the
// timestamp), as bolt-js's receivers do before parsing anything.
import { verifySlackRequest } from '@slack/bolt';

export interface SignedRequest {
  raw: string;
  signature: string | undefined;
  /** X-Slack-Request-Timestamp, seconds */
  timestamp: number;
}

/** Bolt refuses timestamps over 5 minutes old; this refuses the same span ahead. */
const maxSkewMs = 300_000;

/** Undefined when the request is signed with `signingSecret` and fresh; otherwise why not. */
export function signatureProblem(request: SignedRequest, signingSecret: string, nowMs: number): string | undefined {
  try {
    // One dated ahead would make a captured request replayable later.
    if (request.timestamp * 1000 > nowMs + maxSkewMs) throw new Error(`x-slack-request-timestamp ${request.timestamp} is in the future`);
    verifySlackRequest({
      signingSecret,
      body: request.raw,
      headers: { 'x-slack-signature': request.signature ?? '', 'x-slack-request-timestamp': request.timestamp },
      nowMilliseconds: nowMs,
    });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
