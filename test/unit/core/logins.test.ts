import { describe, expect, it } from 'vitest';
import { isGitHubLogin, sameLogin } from '../../../app/src/core/logins.ts';

describe('GitHub logins', () => {
  it('accepts what GitHub allows, Enterprise Managed Users included', () => {
    for (const login of ['a', 'alice', 'Alice-Liddell', 'a-b-c', '0xdeadbeef', 'x'.repeat(39), 'mona-cat_acme', 'MONA_ACME1', 'dependabot']) {
      expect(isGitHubLogin(login), login).toBe(true);
    }
  });

  it('refuses leading, trailing or double hyphens, other characters, and more than 39', () => {
    for (const login of [
      '',
      '-alice',
      'alice-',
      'al--ice',
      'al.ice',
      'al ice',
      'alice_',
      '_acme',
      'a_b_c',
      'x'.repeat(40),
      `${'x'.repeat(40)}_acme`,
      'alice-_acme',
      'dependabot[bot]',
    ]) {
      expect(isGitHubLogin(login), login).toBe(false);
    }
  });

  it('matches logins whatever their case', () => {
    expect(sameLogin('Mona-Cat_ACME', 'mona-cat_acme')).toBe(true);
    expect(sameLogin('mona', 'mona-cat')).toBe(false);
  });
});
