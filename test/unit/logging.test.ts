import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, createScrubber } from '../../app/src/logging.ts';

function capture(): { stream: Writable & { write: Writable['write'] }; lines: () => Record<string, unknown>[]; raw: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    stream,
    raw: () => text,
    lines: () =>
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes Elastic Common Schema JSON', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream });
    log.info({ schedule: 'morning', prs: 3 }, 'digest posted');
    const [line] = out.lines();
    expect(line).toMatchObject({ 'log.level': 'info', message: 'digest posted', schedule: 'morning', prs: 3, 'ecs.version': expect.any(String) });
    expect(line?.['@timestamp']).toEqual(expect.any(String));
  });

  it('censors secret-bearing fields by path', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream });
    log.info({ headers: { authorization: 'Bearer abcdefghijklmnop' }, slackBotToken: 'nothing-token-shaped' }, 'request');
    expect(out.lines()[0]).toMatchObject({ headers: { authorization: '[REDACTED]' }, slackBotToken: '[REDACTED]' });
  });

  it('scrubs token-shaped strings and loaded secrets from messages and errors', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream, secretValues: ['my-signing-secret-123'] });
    log.error({ err: new Error('call failed with xoxb-1234-5678-abcdef') }, 'token ghp_0123456789abcdefABCDEF leaked? my-signing-secret-123');
    const raw = out.raw();
    expect(raw).not.toMatch(/xoxb-1234|ghp_0123|my-signing-secret-123/);
    expect(out.lines()[0]?.message).toBe('token [REDACTED] leaked? [REDACTED]');
  });
});

describe('createScrubber', () => {
  it('catches secrets that JSON escaping changed', () => {
    const scrub = createScrubber(['pa"ss\\word']);
    expect(scrub(JSON.stringify({ v: 'x pa"ss\\word y' }))).toBe('{"v":"x [REDACTED] y"}');
  });

  it('removes a private key PEM whole, or cut short', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretline0123456789\nMIIEsecondline\n-----END RSA PRIVATE KEY-----';
    const scrub = createScrubber([]);
    expect(scrub(`key: ${pem} after`)).toBe('key: [REDACTED] after');
    expect(scrub(JSON.stringify({ msg: `loaded ${pem.slice(0, 60)}` }))).not.toContain('secretline');
  });
});
