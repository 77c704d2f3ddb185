// Where the operator commands find the repository and keep their state.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
export const LAB_DIR = path.join(REPO_ROOT, '.lab');
export const DEFAULT_CERTS_DIR = path.join(REPO_ROOT, 'certs', 'generated');
export const LAB_INVENTORY = path.join(REPO_ROOT, 'ansible', 'inventories', 'lab');
export const SITE_PLAYBOOK = path.join(REPO_ROOT, 'ansible', 'site.yml');
export const DEFAULT_DOMAIN = 'lab.chatops.test';
