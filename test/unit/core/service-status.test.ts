import { describe, expect, it } from 'vitest';
import { servicesFromUp, summariseServices, upCountLine } from '../../../app/src/core/service-status.ts';
import { formatStatus, type ProbeResult } from '../../../ops/status.ts';

describe('servicesFromUp', () => {
  it('names each target by job, unit or probed service, on its host, up when the value is 1, sorted', () => {
    expect(
      servicesFromUp([
        { labels: { job: 'node', instance: '10.0.0.2:9100', host: 'mon1' }, value: 0 },
        { labels: { job: 'chatops', instance: '10.0.0.1:8441', host: 'app1', unit: 'chatops@1' }, value: 1 },
        { labels: { job: 'tls', instance: '10.0.0.3:443', host: 'lb1', service: 'haproxy' }, value: 1 },
        { labels: { job: 'blackbox', instance: '10.0.0.2:9115' }, value: 1 },
      ]),
    ).toEqual([
      { service: 'blackbox', host: '10.0.0.2:9115', up: true, detail: '10.0.0.2:9115' },
      { service: 'chatops@1', host: 'app1', up: true, detail: '10.0.0.1:8441' },
      { service: 'node', host: 'mon1', up: false, detail: '10.0.0.2:9100' },
      { service: 'tls haproxy', host: 'lb1', up: true, detail: '10.0.0.3:443' },
    ]);
  });
});

describe('summariseServices', () => {
  it('counts the up ones and keeps the down ones in order; `npx chatops status` ends with the same line', () => {
    const states = [
      { service: 'a', host: 'h', up: true, detail: '200' },
      { service: 'b', host: 'h', up: false, detail: 'ECONNREFUSED' },
    ];
    const summary = summariseServices(states);
    expect(summary).toEqual({ up: 1, total: 2, down: [states[1]] });
    expect(upCountLine(summary)).toBe('1/2 up');
    const probes = states.map((s) => ({ ...s, url: 'https://h/', address: '127.0.0.1', port: 1, servername: 'h', path: '/' })) as ProbeResult[];
    expect(formatStatus(probes).split('\n').at(-1)).toBe('1/2 up');
  });
});
