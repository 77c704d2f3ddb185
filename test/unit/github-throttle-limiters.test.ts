import { describe, expect, it } from 'vitest';
import { PerRequestLimiter, unlimitedGroup } from '../../app/src/github/throttle-limiters.ts';

describe('PerRequestLimiter', () => {
  it('retries a job after the delay a "failed" listener returns, as the throttling plugin relies on', async () => {
    const limiter = new PerRequestLimiter();
    const seen: number[] = [];
    limiter.on('failed', (_error: unknown, info: { retryCount: number }) => {
      seen.push(info.retryCount);
      return info.retryCount < 2 ? 1 : undefined;
    });
    let calls = 0;
    const flaky = async (value: string): Promise<string> => {
      calls += 1;
      if (calls < 3) throw new Error(`attempt ${calls}`);
      return value;
    };
    await expect(limiter.schedule(flaky as (...args: never[]) => Promise<string>, 'done')).resolves.toBe('done');
    expect(calls).toBe(3);
    expect(seen).toEqual([0, 1]);
  });

  it('rejects with the error once no listener asks for a retry', async () => {
    const limiter = new PerRequestLimiter();
    limiter.on('failed', () => undefined);
    const failing = async (): Promise<never> => {
      throw new Error('HTTP 404');
    };
    await expect(limiter.schedule(failing)).rejects.toThrow('HTTP 404');
  });

  it("hands the listeners the job's arguments and waits the delay the first number names", async () => {
    const limiter = new PerRequestLimiter();
    const args: unknown[][] = [];
    limiter.on('failed', (_error: unknown, info: { args: unknown[] }) => {
      args.push(info.args);
      return undefined;
    });
    limiter.on('failed', (_error: unknown, info: { retryCount: number }) => (info.retryCount === 0 ? 40.7 : undefined));
    let calls = 0;
    const flaky = async (a: string, b: number): Promise<string> => {
      calls += 1;
      if (calls === 1) throw new Error('limited');
      return `${a}${b}`;
    };
    const started = performance.now();
    await expect(limiter.schedule(flaky as (...args: never[]) => Promise<string>, 'x', 1)).resolves.toBe('x1');
    expect(performance.now() - started).toBeGreaterThanOrEqual(39);
    expect(args).toEqual([['x', 1]]);
  });

  it("rejects with the job's own error when a listener throws, as Bottleneck does", async () => {
    const limiter = new PerRequestLimiter();
    limiter.on('failed', () => {
      throw new TypeError("Cannot read properties of undefined (reading 'headers')");
    });
    const failing = async (): Promise<never> => {
      throw new Error('GraphQL request timed out');
    };
    await expect(limiter.schedule(failing)).rejects.toThrow('GraphQL request timed out');
  });

  it('ignores events other than "failed"', async () => {
    const limiter = new PerRequestLimiter();
    let heard = 0;
    limiter.on('retry', () => {
      heard += 1;
      return 1;
    });
    const failing = async (): Promise<never> => {
      throw new Error('HTTP 500');
    };
    await expect(limiter.schedule(failing)).rejects.toThrow('HTTP 500');
    expect(heard).toBe(0);
  });
});

describe('unlimitedGroup', () => {
  it('runs the task with its arguments, with or without job options first', async () => {
    const add = async (a: number, b: number): Promise<number> => a + b;
    const limiter = unlimitedGroup.key('any');
    await expect(limiter.schedule({ priority: 0 }, add, 1, 2)).resolves.toBe(3);
    await expect(limiter.schedule(add, 2, 3)).resolves.toBe(5);
  });
});
