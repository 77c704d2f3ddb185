// GitHub logins as GitHub allows them. Pure.

/**
 * 1-39 letters, digits and single hyphens, neither first nor last; an Enterprise Managed User
 * carries its enterprise's `_shortcode` after that (`mona-cat_acme`).
 */
export const githubLoginPattern = /^(?=[A-Za-z0-9-]{1,39}(?:_|$))[A-Za-z0-9](?:-?[A-Za-z0-9])*(?:_[A-Za-z0-9]+)?$/;

export const githubLoginRule =
  'expected a GitHub login: letters, digits and single hyphens, not first or last, at most 39 (an Enterprise Managed User adds "_shortcode")';

export function isGitHubLogin(login: string): boolean {
  return githubLoginPattern.test(login);
}

/** GitHub logins are case-insensitive: `Alice` and `alice` are one account. */
export function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
