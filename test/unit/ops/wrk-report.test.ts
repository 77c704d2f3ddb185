import { describe, expect, it } from 'vitest';
import { parseWrk } from '../../support/wrk.ts';

const report = (extra: string): string => `Running 10s test @ https://10.77.0.10/health
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.38ms  542.04us   9.74ms   87.27%
    Req/Sec     1.43k   115.92     1.53k    81.82%
  Latency Distribution
     50%    1.31ms
     75%    1.55ms
     90%    1.84ms
     99%  ${extra.includes('slow') ? '1.20s' : '850.00us'}
  31320 requests in 10.10s, 1.55MB read
${extra.includes('errors') ? '  Socket errors: connect 2, read 3, write 0, timeout 1\n  Non-2xx or 3xx responses: 7\n' : ''}Requests/sec:   3100.99
Transfer/sec:      1.41MB
`;

describe('parseWrk', () => {
  it('reads requests, rate and p99 of a clean run', () => {
    expect(parseWrk(report(''))).toEqual({ requests: 31320, seconds: 10.1, rps: 3100.99, p99Ms: 0.85, non2xx: 0, socketErrors: 0, failures: 0 });
  });

  it('counts non-2xx responses and every kind of socket error as failures', () => {
    expect(parseWrk(report('errors'))).toMatchObject({ non2xx: 7, socketErrors: 6, failures: 13 });
  });

  it('converts a p99 in seconds to milliseconds', () => {
    expect(parseWrk(report('slow')).p99Ms).toBe(1200);
  });

  it('says to pass --latency when the distribution is missing', () => {
    expect(() => parseWrk('  10 requests in 1.00s, 1KB read\nRequests/sec: 10.00\n')).toThrow(/--latency/);
  });
});
