import { describe, expect, it } from 'vitest';
import { UsageError } from '../../app/src/cli/flags.ts';
import { buildQuery, formatRecord, parseLevel, parseSince, toRecord } from '../../ops/logs.ts';

const NOW = Date.parse('2026-11-28T12:00:00Z');

describe('chatops logs: flags', () => {
  it('reads --since as a duration back from now or as an ISO time', () => {
    expect(parseSince('15m', NOW)).toBe(NOW - 15 * 60_000);
    expect(parseSince('2h', NOW)).toBe(NOW - 7_200_000);
    expect(parseSince('1d', NOW)).toBe(NOW - 86_400_000);
    expect(parseSince('30s', NOW)).toBe(NOW - 30_000);
    expect(parseSince('2026-11-28T10:00:00Z', NOW)).toBe(Date.parse('2026-11-28T10:00:00Z'));
  });

  it('refuses a --since or --level it cannot read, naming the flag and the accepted forms', () => {
    expect(() => parseSince('yesterday', NOW)).toThrow(UsageError);
    expect(() => parseSince('15 minutes', NOW)).toThrow(/--since: "15 minutes" is not a duration like 30s, 15m, 2h, 1d/);
    expect(() => parseSince('2026-13-45', NOW)).toThrow(/--since/);
    expect(() => parseLevel('loud')).toThrow(/--level: "loud" is not one of trace, debug, info, warn, error, fatal/);
    expect(parseLevel('WARNING')).toBe('warn');
    expect(parseLevel(undefined)).toBeUndefined();
  });
});

describe('chatops logs: query', () => {
  it('narrows by time only when no other filter is given', () => {
    expect(buildQuery({ sinceMs: NOW })).toEqual({ bool: { filter: [{ range: { '@timestamp': { gte: '2026-11-28T12:00:00.000Z' } } }] } });
  });

  it("matches a service by the app's name, a unit (with or without .service, any instance) or a dataset", () => {
    const filter = (buildQuery({ sinceMs: NOW, service: 'chatops' }) as { bool: { filter: unknown[] } }).bool.filter[1];
    expect(filter).toEqual({
      bool: {
        should: [
          { term: { 'service.name': 'chatops' } },
          { term: { 'systemd.unit': 'chatops' } },
          { term: { 'systemd.unit': 'chatops.service' } },
          { prefix: { 'systemd.unit': 'chatops@' } },
          { term: { 'event.dataset': 'chatops' } },
          { prefix: { 'event.dataset': 'chatops.' } },
        ],
        minimum_should_match: 1,
      },
    });
  });

  it('takes --level as that level and worse, for ECS levels and journald priorities alike', () => {
    const filter = (buildQuery({ sinceMs: NOW, level: 'warn' }) as { bool: { filter: unknown[] } }).bool.filter[1];
    expect(filter).toEqual({
      bool: { should: [{ terms: { 'log.level': ['warn', 'error', 'fatal'] } }, { range: { 'syslog.priority': { lte: 4 } } }], minimum_should_match: 1 },
    });
  });

  it('looks up the request id and the text exactly', () => {
    const { bool } = buildQuery({ sinceMs: NOW, grep: 'slack post failed', requestId: 'abc-1', host: 'app1' }) as { bool: { filter: unknown[] } };
    expect(bool.filter.slice(1)).toEqual([
      { bool: { should: [{ term: { 'host.name': 'app1' } }, { term: { 'host.hostname': 'app1' } }], minimum_should_match: 1 } },
      { match_phrase: { message: 'slack post failed' } },
      { term: { 'http.request.id': 'abc-1' } },
    ]);
  });
});

describe('chatops logs: output', () => {
  it("reads the app's dotted ECS keys, journald's unit and priority, and HAProxy's dataset", () => {
    expect(
      toRecord({
        '@timestamp': 't1',
        'log.level': 'error',
        message: 'slack post failed',
        service: { name: 'chatops' },
        host: { name: 'app1' },
        http: { request: { id: 'r1' } },
      }),
    ).toEqual({
      time: 't1',
      host: 'app1',
      service: 'chatops',
      level: 'error',
      message: 'slack post failed',
      requestId: 'r1',
    });
    expect(
      toRecord({ '@timestamp': 't2', message: 'Started', systemd: { unit: 'prometheus.service' }, syslog: { priority: 4 }, host: { name: 'mon1' } }),
    ).toEqual({ time: 't2', host: 'mon1', service: 'prometheus', level: 'warn', message: 'Started' });
    expect(toRecord({ '@timestamp': 't3', message: 'GET /', event: { dataset: 'haproxy.log' }, host: { name: 'lb1' } })).toMatchObject({
      service: 'haproxy.log',
      level: '-',
    });
  });

  it('colours only the level, time and request id on a terminal, and nothing when piped', () => {
    const record = { time: 't', host: 'app1', service: 'chatops', level: 'error', message: 'boom', requestId: 'r1' };
    expect(formatRecord(record, false)).toBe('t app1   chatops    ERROR boom [r1]');
    const coloured = formatRecord(record, true);
    expect(coloured).toContain('\x1b[31mERROR\x1b[0m');
    expect(
      coloured
        .split('\x1b[')
        .map((part, n) => (n === 0 ? part : part.replace(/^[0-9;]*m/, '')))
        .join(''),
    ).toBe('t app1   chatops    ERROR boom [r1]');
  });
});
