#!/usr/bin/env node
// Entry point of `npx chatops` in a checkout: every command, through app/src/cli/main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../app/src/cli/main.ts', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
