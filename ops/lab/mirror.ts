// The Debian mirror the lab builds from and lets through its proxy: the one the controller's own
// apt already uses (deb822 `.sources` and one-line `.list` files), so no mirror is written here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../app/src/cli/flags.ts';

export interface AptSource {
  uri: string;
  suites: string[];
  components: string[];
}

export interface DebianMirror {
  /** serves `<suite>` and `<suite>-updates` */
  archive: string;
  /** serves `<suite>-security`; absent when the controller has no security source */
  security?: string;
}

const APT_DIR = '/etc/apt';
const SCHEMES = new Set(['http:', 'https:']);

/** Entries of a deb822 `.sources` file that fetch binary packages (`Types: deb`, not `Enabled: no`). */
export function parseDeb822Sources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let key: string | undefined;
    for (const line of paragraph.split('\n')) {
      if (line.startsWith('#')) continue;
      const field = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
      if (field) {
        key = field[1]!.toLowerCase();
        fields.set(key, field[2]!);
      } else if (key !== undefined && /^\s/.test(line)) {
        fields.set(key, `${fields.get(key)} ${line.trim()}`);
      }
    }
    const words = (name: string): string[] => (fields.get(name) ?? '').split(/\s+/).filter(Boolean);
    if (!words('types').includes('deb') || fields.get('enabled')?.trim().toLowerCase() === 'no') continue;
    for (const uri of words('uris')) sources.push({ uri, suites: words('suites'), components: words('components') });
  }
  return sources;
}

/** Entries of a one-line `sources.list` file: `deb [options] URI SUITE COMPONENT...`. */
export function parseOneLineSources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const words = raw
      .replace(/#.*$/, '')
      .replace(/\[[^\]]*\]/, ' ')
      .trim()
      .split(/\s+/);
    if (words[0] !== 'deb' || words.length < 3) continue;
    const [, uri, suite, ...components] = words as [string, string, string, ...string[]];
    sources.push({ uri, suites: [suite], components });
  }
  return sources;
}

/**
 * The mirror serving `suite` with its `main` component, and the one serving `<suite>-security`,
 * in apt's own order (first match wins). Throws a UsageError naming the files read when none does.
 */
export function findDebianMirror(sources: AptSource[], suite: string, readFrom: string): DebianMirror {
  const serving = (wanted: string): string | undefined => sources.find((s) => s.suites.includes(wanted) && s.components.includes('main') && isHttp(s.uri))?.uri;
  const archive = serving(suite);
  if (archive === undefined) {
    throw new UsageError(
      `no http(s) apt source for "${suite} main" in ${readFrom}: the lab builds its hosts from the controller's Debian mirror; ` +
        `add one (a deb822 entry with URIs:, Suites: ${suite} and Components: main) and run again`,
    );
  }
  const security = serving(`${suite}-security`);
  return security === undefined ? { archive: trimSlash(archive) } : { archive: trimSlash(archive), security: trimSlash(security) };
}

function isHttp(uri: string): boolean {
  return URL.canParse(uri) && SCHEMES.has(new URL(uri).protocol);
}

function trimSlash(uri: string): string {
  return uri.replace(/\/+$/, '');
}

/** The controller's apt source files, in the order apt reads them. */
function aptSourceFiles(aptDir: string): string[] {
  const files = [path.join(aptDir, 'sources.list')].filter((f) => existsSync(f));
  const dir = path.join(aptDir, 'sources.list.d');
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith('.list') || name.endsWith('.sources')) files.push(path.join(dir, name));
    }
  }
  return files;
}

/** Reads the controller's apt sources for the mirror of `suite`. */
export function labMirror(suite: string, aptDir = APT_DIR): DebianMirror {
  const files = aptSourceFiles(aptDir);
  const sources = files.flatMap((f) => (f.endsWith('.sources') ? parseDeb822Sources : parseOneLineSources)(readFileSync(f, 'utf8')));
  return findDebianMirror(sources, suite, files.length > 0 ? files.join(', ') : `${aptDir}/sources.list and ${aptDir}/sources.list.d/`);
}

/** Host names the lab's proxy lets through: the mirror's and nothing else. */
export function mirrorHosts(mirror: DebianMirror): string[] {
  return [...new Set([mirror.archive, mirror.security].filter((u) => u !== undefined).map((u) => new URL(u).hostname))];
}
