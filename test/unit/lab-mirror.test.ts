import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../app/src/cli/flags.ts';
import { findDebianMirror, labMirror, mirrorHosts, parseDeb822Sources, parseOneLineSources } from '../../ops/lab/mirror.ts';

const DEB822 = `Types: deb
# a snapshot of the archive, kept as a comment
URIs: http://mirror.example.net/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://security.example.net/debian-security/
Suites: bookworm-security
Components: main contrib
`;

describe('parseDeb822Sources', () => {
  it('reads every binary entry with its suites and components', () => {
    expect(parseDeb822Sources(DEB822)).toEqual([
      { uri: 'http://mirror.example.net/debian', suites: ['bookworm', 'bookworm-updates'], components: ['main'] },
      { uri: 'http://security.example.net/debian-security/', suites: ['bookworm-security'], components: ['main', 'contrib'] },
    ]);
  });

  it('skips source-only and disabled entries and joins continuation lines', () => {
    const text =
      `Types: deb-src\nURIs: http://src.example.net/debian\nSuites: bookworm\nComponents: main\n\n` +
      `Types: deb\nEnabled: no\nURIs: http://off.example.net/debian\nSuites: bookworm\nComponents: main\n\n` +
      `Types: deb\nURIs: http://a.example.net/debian\n http://b.example.net/debian\nSuites: bookworm\nComponents: main\n`;
    expect(parseDeb822Sources(text).map((s) => s.uri)).toEqual(['http://a.example.net/debian', 'http://b.example.net/debian']);
  });
});

describe('parseOneLineSources', () => {
  it('reads deb lines, drops options and comments, skips deb-src', () => {
    const text = [
      '# the archive',
      'deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example.net/debian bookworm main contrib # local',
      'deb-src http://mirror.example.net/debian bookworm main',
      'deb http://security.example.net/debian-security bookworm-security main',
      '',
    ].join('\n');
    expect(parseOneLineSources(text)).toEqual([
      { uri: 'http://mirror.example.net/debian', suites: ['bookworm'], components: ['main', 'contrib'] },
      { uri: 'http://security.example.net/debian-security', suites: ['bookworm-security'], components: ['main'] },
    ]);
  });
});

describe('findDebianMirror', () => {
  it('takes the first http(s) source serving the suite with main, and the security source', () => {
    const sources = [
      { uri: 'https://vendor.example.net/apt', suites: ['bookworm'], components: ['stable'] },
      { uri: 'cdrom:[Debian GNU/Linux 12]/', suites: ['bookworm'], components: ['main'] },
      ...parseDeb822Sources(DEB822),
    ];
    const mirror = findDebianMirror(sources, 'bookworm', 'F');
    expect(mirror).toEqual({ archive: 'http://mirror.example.net/debian', security: 'http://security.example.net/debian-security' });
    expect(mirrorHosts(mirror)).toEqual(['mirror.example.net', 'security.example.net']);
  });

  it('leaves security out when no source serves it', () => {
    const mirror = findDebianMirror(parseOneLineSources('deb https://mirror.example.net/debian bookworm main\n'), 'bookworm', 'F');
    expect(mirror).toEqual({ archive: 'https://mirror.example.net/debian' });
    expect(mirrorHosts(mirror)).toEqual(['mirror.example.net']);
  });

  it('names the files read and the entry to add when nothing serves the suite', () => {
    const sources = parseOneLineSources('deb http://mirror.example.net/debian trixie main\n');
    expect(() => findDebianMirror(sources, 'bookworm', '/etc/apt/sources.list')).toThrow(UsageError);
    expect(() => findDebianMirror(sources, 'bookworm', '/etc/apt/sources.list')).toThrow('no http(s) apt source for "bookworm main" in /etc/apt/sources.list');
  });
});

describe('labMirror', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads sources.list, then sources.list.d/*.list and *.sources in name order, ignoring other files', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chatops-apt-'));
    mkdirSync(path.join(dir, 'sources.list.d'));
    writeFileSync(path.join(dir, 'sources.list'), '# empty: everything is in sources.list.d\n');
    writeFileSync(path.join(dir, 'sources.list.d', 'a-vendor.list.disabled'), 'deb http://off.example.net/debian bookworm main\n');
    writeFileSync(path.join(dir, 'sources.list.d', 'b-debian.sources'), DEB822);
    writeFileSync(path.join(dir, 'sources.list.d', 'c-other.list'), 'deb http://late.example.net/debian bookworm main\n');
    expect(labMirror('bookworm', dir)).toEqual({ archive: 'http://mirror.example.net/debian', security: 'http://security.example.net/debian-security' });
  });

  it('fails with a clear message when the controller has no apt sources at all', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chatops-apt-'));
    expect(() => labMirror('bookworm', dir)).toThrow(`no http(s) apt source for "bookworm main" in ${dir}/sources.list and ${dir}/sources.list.d/`);
  });
});
