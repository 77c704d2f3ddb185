// How a pull request is named: one key for maps and stored documents, one reference for logs.

/** `acme/api#12`, case-folded: GitHub names are case-insensitive, so `Acme/API#12` is the same PR. */
export function pullRequestKey(repository: string, number: number): string {
  return `${repository.toLowerCase()}#${number}`;
}

/** `acme/API#12` as GitHub spells it, for log fields. */
export function pullRequestRef(pr: { repository: string; number: number }): string {
  return `${pr.repository}#${pr.number}`;
}
