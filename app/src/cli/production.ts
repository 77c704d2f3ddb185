// Entry of the production bundle (dist/chatops.mjs): the app's commands only, so neither the
// demo's sandbox nor the operator commands (zx, Ansible) are bundled.
import { processIo } from './flags.ts';
import { PRODUCTION_FOOTER, productionCommands, runCommand } from './run.ts';

process.exitCode = await runCommand(process.argv.slice(2), productionCommands, processIo, PRODUCTION_FOOTER);
