// What scripts/build.mjs puts in dist/chatops.mjs: the app's commands, not the sandbox the demo
// runs, not the operator commands and not what they drive (zx, Ansible).
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('the production bundle', () => {
  it("holds the app's commands and nothing from ops/, sandbox/, zx or tsx", async () => {
    const result = await build({
      entryPoints: ['app/src/cli/production.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    const commands = inputs.filter((file) => file.startsWith('app/src/cli/commands/')).sort();
    expect(commands).toEqual([
      'app/src/cli/commands/check-config.ts',
      'app/src/cli/commands/remind.ts',
      'app/src/cli/commands/serve.ts',
      'app/src/cli/commands/slack-manifest.ts',
    ]);
    expect(inputs).toContain('app/src/cli/run.ts');
    expect(inputs.filter((file) => /^(ops|sandbox|certs|test)\//.test(file) || /node_modules\/(zx|tsx)\//.test(file))).toEqual([]);
  }, 30_000);
});
