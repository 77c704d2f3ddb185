import { defineConfig } from 'vitest/config';
import { LabOrderSequencer } from './test/lab/sequencer.ts';

// Three projects: fast pure tests, tests that start real processes and servers, and the lab.
export default defineConfig({
  test: {
    sequence: { sequencer: LabOrderSequencer },
    // The lab project's global teardown runs `lab down` (seconds, not vitest's default 10 s).
    teardownTimeout: 120_000,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          // The lab comes up and is deployed once for the whole project, and taken down at the end.
          globalSetup: ['test/lab/global-setup.ts'],
          testTimeout: 1_800_000,
          hookTimeout: 1_800_000,
        },
      },
    ],
  },
});
