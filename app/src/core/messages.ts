// Slack Block Kit shapes the app sends, and splitting that keeps every message inside
// Slack's limits. Pure.

/** https://docs.slack.dev/reference/block-kit/blocks: at most 50 blocks per message. */
export const maxBlocksPerMessage = 50;
/** A section's text object holds at most 3,000 characters. */
export const maxSectionTextChars = 3000;
/** A header's plain_text holds at most 150 characters. */
export const maxHeaderChars = 150;
/** Kept well below chat.postMessage's 40,000 for the notification fallback text. */
export const maxFallbackTextChars = 3000;

export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}

export interface ButtonElement {
  type: 'button';
  action_id: string;
  text: { type: 'plain_text'; text: string; emoji: boolean };
  value: string;
  /** a link button: Slack opens it and still sends the click */
  url?: string;
  style?: 'primary' | 'danger';
}

export interface ActionsBlock {
  type: 'actions';
  block_id: string;
  elements: ButtonElement[];
}

export type Block =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: boolean } }
  | { type: 'section'; text: MrkdwnText }
  | { type: 'context'; elements: MrkdwnText[] }
  | { type: 'divider' }
  | ActionsBlock;

export interface SlackMessage {
  /** notification and accessibility fallback */
  text: string;
  blocks: Block[];
}

/**
 * The arguments of every chat.postMessage the app makes. Link previews off: a digest of 40 PR
 * links would otherwise grow 40 previews, and a DM names its PR already.
 */
export function postMessageArgs(channel: string, message: SlackMessage, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false, ...extra };
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, maxHeaderChars), emoji: true } };
}

export function context(text: string): Block {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, maxSectionTextChars) }] };
}

/**
 * Packs lines into as few section blocks as possible, each at most `maxChars` long.
 * A line that alone exceeds the limit is cut at the limit (never split mid-way into two
 * blocks, which could break a link).
 */
export function sections(lines: readonly string[], maxChars = maxSectionTextChars): Block[] {
  const blocks: Block[] = [];
  let current = '';
  for (const raw of lines) {
    const line = truncate(raw, maxChars);
    if (current && current.length + 1 + line.length > maxChars) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: current } });
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: current } });
  return blocks;
}

/**
 * Splits blocks into messages of at most `maxBlocks` blocks. Continuation messages get
 * "(continued, part n of m)" in their fallback text so a reader can tell them apart.
 */
export function splitMessages(text: string, blocks: readonly Block[], maxBlocks = maxBlocksPerMessage): SlackMessage[] {
  const fallback = truncate(text, maxFallbackTextChars);
  if (blocks.length <= maxBlocks) return [{ text: fallback, blocks: [...blocks] }];
  const parts: Block[][] = [];
  for (let i = 0; i < blocks.length; i += maxBlocks) parts.push(blocks.slice(i, i + maxBlocks));
  return parts.map((part, index) => ({
    text: index === 0 ? fallback : truncate(`${text} (continued, part ${index + 1} of ${parts.length})`, maxFallbackTextChars),
    blocks: part,
  }));
}
