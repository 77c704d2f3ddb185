// Optional parts a replica plugs in at `serve` time (issue 5: coordination, history, webhooks).
// Add a factory to `extensionFactories` to wire one in; nothing else in the app changes.
import type { FastifyPluginAsync } from 'fastify';
import type pino from 'pino';
import type { Config, Secrets } from '../config/schema.ts';
import type { FireGate, PullRequestSource, ReminderHistory } from '../core/ports.ts';
import type { AppMetrics } from '../metrics.ts';
import { coordinationExtension } from '../coordination/extension.ts';

export interface ExtensionContext {
  config: Config;
  secrets: Secrets;
  replicaId: string;
  logger: pino.Logger;
  metrics: AppMetrics;
  source: PullRequestSource;
}

export interface AppExtension {
  name: string;
  /** At most one extension may gate fires; the default runs every fire. */
  fireGate?: FireGate;
  history?: ReminderHistory;
  /** Registered on the one fastify server, beside the Slack and health routes. */
  routes?: FastifyPluginAsync[];
  /** Extra readiness check for GET /ready; reject with a reason when not ready. */
  checkReady?: () => Promise<void>;
  close?: () => Promise<void>;
}

export type ExtensionFactory = (context: ExtensionContext) => Promise<AppExtension | undefined>;

export const extensionFactories: ExtensionFactory[] = [
  // issue 5: claimed fires, reminder history and GitHub webhooks (needs config `elasticsearch`)
  coordinationExtension,
];
