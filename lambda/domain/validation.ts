/**
 * Runs a contract schema (contract/schemas.ts) over untrusted input. The first problem becomes a
 * ValidationError that names the offending field, so that a client can fix its request without
 * guessing; the messages themselves are written beside the rules in the contract.
 */
import * as z from 'zod/mini';
import { ValidationError } from '../shared/errors';

function fieldOf(issue: z.core.$ZodIssue, root: string): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') return [...path, issue.keys[0] ?? root].join('.');
  return path.length === 0 ? root : path.join('.');
}

/** Parses `value` with `schema`, or throws a ValidationError for the first issue. */
export function parseInput<S extends z.ZodMiniType>(schema: S, value: unknown, root = 'body'): z.output<S> {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  if (issue === undefined) throw new ValidationError(root, 'is not valid');
  const message = issue.code === 'unrecognized_keys' ? 'is not an allowed field' : issue.message;
  throw new ValidationError(fieldOf(issue, root), message);
}
