// The GitHub fake's public module; the fake itself lives in sandbox/github/.
export * from './github/index.ts';
