// The Slack fake's public module; the fake itself lives in sandbox/slack/.
export * from './slack/index.ts';
