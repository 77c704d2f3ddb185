// `chatops slack-manifest --domain D [--name N]`: print the Slack app manifest (YAML) to paste
// into "Create New App → From an app manifest". No files, no network.
import { slashCommands } from '../../slack/listeners/commands/index.ts';
import { botEvents } from '../../slack/listeners/events/index.ts';
import { buildSlackManifest, defaultAppName, renderSlackManifest } from '../../slack/manifest.ts';
import { appWebApiMethods } from '../../slack/scopes.ts';
import { parseFlags, requireFlag, UsageError, type CommandIo } from '../args.ts';

export async function slackManifest(argv: string[], io: CommandIo): Promise<number> {
  const values = parseFlags(argv, { domain: { type: 'string' }, name: { type: 'string', default: defaultAppName } });
  const domain = requireFlag(
    values,
    'domain',
    "pass the appliance's domain (the inventory's chatops_domain), e.g. --domain example.com for https://chatops.example.com",
  );
  const result = buildSlackManifest({ domain, name: values.name, slashCommands, webApiMethods: appWebApiMethods, botEvents, interactivity: true });
  if (!result.ok) throw new UsageError(result.problems.join('; '));
  io.stdout(renderSlackManifest(result.manifest));
  return 0;
}
