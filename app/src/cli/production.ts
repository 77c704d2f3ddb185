// Entry of the production bundle (dist/chatops.mjs): the app's commands without the demo,
// so no test code is bundled.
import { processIo } from './args.ts';
import { productionCommands, runCommand } from './run.ts';

process.exitCode = await runCommand(process.argv.slice(2), productionCommands, processIo);
