import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, sections, splitMessages, truncate, type Block } from '../../../app/src/core/messages.ts';

const textOf = (block: Block): string => (block.type === 'section' ? block.text.text : '');

describe('sections', () => {
  it('packs lines into one block while they fit', () => {
    expect(sections(['a', 'b'])).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'a\nb' } }]);
  });

  it('starts a new block before a line would cross 3,000 characters', () => {
    const line = 'x'.repeat(1000);
    const blocks = sections([line, line, line, line]);
    expect(blocks.map((b) => textOf(b).length)).toEqual([2001, 2001]);
  });

  it('cuts a single over-long line at the limit', () => {
    const blocks = sections(['y'.repeat(3500)]);
    expect(blocks).toHaveLength(1);
    expect(Array.from(textOf(blocks[0] as Block))).toHaveLength(3000);
    expect(textOf(blocks[0] as Block).endsWith('…')).toBe(true);
  });
});

describe('splitMessages', () => {
  const block = (i: number): Block => ({ type: 'section', text: { type: 'mrkdwn', text: `line ${i}` } });

  it('keeps 50 blocks in one message', () => {
    const blocks = Array.from({ length: 50 }, (_, i) => block(i));
    expect(splitMessages('t', blocks)).toEqual([{ text: 't', blocks }]);
  });

  it('splits 120 blocks into 50 + 50 + 20 and labels the continuations', () => {
    const messages = splitMessages(
      'Open PRs',
      Array.from({ length: 120 }, (_, i) => block(i)),
    );
    expect(messages.map((m) => m.blocks.length)).toEqual([50, 50, 20]);
    expect(messages.map((m) => m.text)).toEqual(['Open PRs', 'Open PRs (continued, part 2 of 3)', 'Open PRs (continued, part 3 of 3)']);
    expect(messages[2]?.blocks[0]).toEqual(block(100));
  });
});

describe('escapeMrkdwn and truncate', () => {
  it('escapes &, < and > so titles cannot inject links or mentions', () => {
    expect(escapeMrkdwn('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
  });
  it('counts characters, not UTF-16 units', () => {
    expect(truncate('😀😀😀', 2)).toBe('😀…');
    expect(truncate('abc', 3)).toBe('abc');
  });
});
