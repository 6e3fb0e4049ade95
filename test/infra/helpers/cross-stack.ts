/**
 * Finds where a template uses `Fn::GetStackOutput`, and which of those places
 * CloudFormation does not document.
 *
 * The Fn::GetStackOutput page documents the function as a value in resource
 * properties; no other function's page lists it among the functions it
 * accepts (the Fn::Join page lists Fn::ImportValue, not Fn::GetStackOutput).
 * So a reference is accepted as a whole property value or a whole element of
 * a list property, nowhere else: not inside any other intrinsic function, not
 * in Outputs, not in Conditions.
 */
export interface CrossStackUse {
  /** JSON path of the reference in the template. */
  readonly path: string;
  /** Intrinsic functions that enclose it, outermost first. */
  readonly enclosedBy: readonly string[];
  /** The producer's output. */
  readonly outputName: string;
  /** The producer's stack, by name. */
  readonly stackName: string;
}

const isIntrinsic = (key: string) => key === 'Ref' || key.startsWith('Fn::') || key === 'Condition';

export function crossStackUses(template: unknown): CrossStackUse[] {
  const uses: CrossStackUse[] = [];
  const walk = (value: unknown, path: string, enclosedBy: string[]): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`, enclosedBy));
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const entries = Object.entries(value as Record<string, unknown>);
    const [only] = entries;
    if (entries.length === 1 && only && isIntrinsic(only[0])) {
      const [fn, args] = only;
      if (fn === 'Fn::GetStackOutput') {
        const { OutputName, StackName } = args as { OutputName?: unknown; StackName?: unknown };
        uses.push({ path, enclosedBy, outputName: String(OutputName), stackName: String(StackName) });
        return;
      }
      walk(args, `${path}.${fn}`, [...enclosedBy, fn]);
      return;
    }
    for (const [key, child] of entries) walk(child, `${path}.${key}`, enclosedBy);
  };
  walk(template, '', []);
  return uses;
}

/** Uses in positions CloudFormation does not document, as readable lines. */
export function undocumentedCrossStackUses(template: unknown): string[] {
  return crossStackUses(template)
    .filter((use) => use.enclosedBy.length > 0 || !use.path.startsWith('.Resources.'))
    .map((use) =>
      use.enclosedBy.length > 0
        ? `${use.path}: ${use.outputName} inside ${use.enclosedBy.join(' > ')}`
        : `${use.path}: ${use.outputName} outside resource properties`,
    );
}
