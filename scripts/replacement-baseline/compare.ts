import { replacementKindAt } from './schema';
import { dependentsOf, type StackSnapshot } from './snapshot';

export const UPDATE_COMMAND = 'npm run replacement-baseline';

/**
 * What a deployment of `current` over `baseline` would do to the guarded
 * resources, one sentence per finding; empty when nothing is replaced or
 * deleted. A resource missing from the baseline is a finding too, so that a
 * new stateful resource is reviewed once before the guard starts protecting it.
 */
export function compareStack(
  stackName: string,
  baseline: StackSnapshot | undefined,
  current: StackSnapshot,
): string[] {
  const findings: string[] = [];
  const before = baseline ?? {};
  for (const [id, was] of Object.entries(before)) {
    const where = `${stackName}/${id} (${was.Type})`;
    const now = current[id];
    if (!now) {
      findings.push(`${where} was removed or renamed; CloudFormation deletes it`);
      continue;
    }
    const alsoReplaced = dependentsOf(current, id);
    const andWithIt = alsoReplaced.length > 0 ? `, and with it ${alsoReplaced.join(', ')}` : '';
    if (now.Type !== was.Type) {
      findings.push(`${where} became ${now.Type}; CloudFormation replaces the resource${andWithIt}`);
      continue;
    }
    const paths = [...new Set([...Object.keys(was.CreateOnly), ...Object.keys(now.CreateOnly)])].sort();
    for (const path of paths) {
      const change = describeChange(was.CreateOnly, now.CreateOnly, path);
      if (change) {
        findings.push(`${where}: ${path} ${change}; ${consequence(was.Type, path)}${andWithIt}`);
      }
    }
  }
  for (const [id, now] of Object.entries(current)) {
    if (!Object.hasOwn(before, id)) {
      findings.push(
        `${stackName}/${id} (${now.Type}) is a new stateful resource that is not in the baseline; ` +
          `review it, then run \`${UPDATE_COMMAND}\``,
      );
    }
  }
  return findings;
}

function describeChange(
  was: Readonly<Record<string, unknown>>,
  now: Readonly<Record<string, unknown>>,
  path: string,
): string | undefined {
  const hadIt = Object.hasOwn(was, path);
  const hasIt = Object.hasOwn(now, path);
  if (hadIt && hasIt) {
    return canonical(was[path]) === canonical(now[path]) ? undefined : 'changed';
  }
  return hadIt ? 'was unset' : 'was set';
}

function consequence(type: string, path: string): string {
  return replacementKindAt(type, path) === 'replace'
    ? 'CloudFormation replaces the resource'
    : 'CloudFormation may replace the resource (the schema marks this update as conditional; ' +
        'see "Update requires" for the property in the CloudFormation template reference)';
}

/**
 * Template values are JSON: compared by their text with sorted keys, not by
 * prototype (objects parsed in another realm, such as Jest's, are still equal).
 */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
