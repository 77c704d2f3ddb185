// The schedules as a fastify plugin of `serve`: on close, no more fires, and the cycles in
// flight finish before the parts registered earlier (Slack, GitHub, Elasticsearch) close.
import type { FastifyPluginAsync } from 'fastify';
import type { CycleRunner } from './cycle.ts';
import type { DmTimeTicker } from './dm-times.ts';
import type { Scheduler } from './scheduler.ts';

export function schedulingPlugin(parts: { scheduler: Scheduler; runner: CycleRunner; dmTimes?: DmTimeTicker }): FastifyPluginAsync {
  return async (fastify) => {
    fastify.addHook('onClose', async () => {
      await parts.scheduler.stop();
      await parts.dmTimes?.stop();
      await parts.runner.drain();
    });
  };
}
