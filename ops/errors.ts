// A mistake the operator can fix (a flag, an inventory, a missing file): the message names the
// field and the fix, and the CLI exits non-zero without a stack trace.
export class UserError extends Error {
  override name = 'UserError';
}
