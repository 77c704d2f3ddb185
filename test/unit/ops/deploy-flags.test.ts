import { describe, expect, it } from 'vitest';
import { deployCommand } from '../../../ops/deploy.ts';

describe('chatops deploy --bundle', () => {
  it('refuses a bundle that does not exist, naming the flag and how to build one', async () => {
    await expect(deployCommand(['--bundle', '/nonexistent/chatops.mjs'])).rejects.toThrow(
      /--bundle: \/nonexistent\/chatops\.mjs does not exist; build one with `npm run build`/,
    );
  });
});
