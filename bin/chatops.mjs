#!/usr/bin/env node
// Entry point of `npx chatops`: app commands run the Slack app, operator commands drive Ansible.
import { register } from 'tsx/esm/api';

register();
const operatorCommands = new Set(['certs', 'deploy', 'status', 'lab', 'logs']);
const [command] = process.argv.slice(2);
const entry = operatorCommands.has(command ?? '') ? '../ops/cli.ts' : '../app/src/cli/main.ts';
const { main } = await import(new URL(entry, import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
