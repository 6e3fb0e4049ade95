import { followStackOutput, isRefTo, type StackTemplates } from './stack-outputs';

/** One IAM statement that applies to a role, with the policy it comes from. */
export interface AppliedStatement {
  /** Stack of the policy: its logical ids are that stack's. */
  readonly stackName: string;
  /** Logical id of the policy (for a policy embedded in the role: `<role id>.Policies.<name>`). */
  readonly policyId: string;
  readonly kind: 'inline' | 'managed';
  readonly statement: Record<string, any>;
}

const listOf = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * Every statement that applies to the role `roleId` of `stackName`, from any
 * stack of the app:
 * - the role's own `Policies`;
 * - `AWS::IAM::Policy` (inline) and `AWS::IAM::ManagedPolicy` resources whose
 *   `Roles` name the role (a local `Ref`, or a whole `Fn::GetStackOutput` of
 *   an output that is that `Ref`);
 * - each element of the role's `ManagedPolicyArns`, followed to the policy:
 *   a local `Ref`, or a whole `Fn::GetStackOutput` whose output is the `Ref`
 *   of an `AWS::IAM::ManagedPolicy` of the producer.
 *
 * A `ManagedPolicyArns` element it cannot follow that way (an AWS managed
 * policy, an ARN built with `Fn::Join`) throws: a grant the test cannot read
 * must fail it, not escape it.
 */
export function statementsForRole(
  templates: StackTemplates,
  stackName: string,
  roleId: string,
): AppliedStatement[] {
  const role = templates[stackName]?.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${stackName} has no role ${roleId}`);

  const applied: AppliedStatement[] = [];
  const seen = new Set<string>();
  const addPolicy = (
    policyStack: string,
    policyId: string,
    kind: AppliedStatement['kind'],
    document: any,
  ) => {
    const key = `${policyStack}/${policyId}`;
    if (seen.has(key)) return;
    seen.add(key);
    for (const statement of listOf(document?.Statement) as Array<Record<string, any>>) {
      applied.push({ stackName: policyStack, policyId, kind, statement });
    }
  };

  for (const embedded of listOf(role.Properties?.Policies) as Array<Record<string, any>>) {
    addPolicy(
      stackName,
      `${roleId}.Policies.${String(embedded.PolicyName)}`,
      'inline',
      embedded.PolicyDocument,
    );
  }

  for (const [policyStack, template] of Object.entries(templates)) {
    for (const [id, resource] of Object.entries(template.Resources)) {
      const kind =
        resource.Type === 'AWS::IAM::Policy'
          ? 'inline'
          : resource.Type === 'AWS::IAM::ManagedPolicy'
            ? 'managed'
            : undefined;
      if (!kind) continue;
      const roles = listOf(resource.Properties?.Roles);
      if (roles.some((r) => isRefTo(templates, policyStack, r, stackName, roleId))) {
        addPolicy(policyStack, id, kind, resource.Properties?.PolicyDocument);
      }
    }
  }

  for (const arn of listOf(role.Properties?.ManagedPolicyArns)) {
    const followed = followStackOutput(templates, arn);
    const [policyStack, ref] = followed ? [followed.stackName, followed.value] : [stackName, arn];
    const policyId = (ref as { Ref?: unknown } | null)?.Ref;
    const policy = typeof policyId === 'string' ? templates[policyStack].Resources[policyId] : undefined;
    if (policy?.Type !== 'AWS::IAM::ManagedPolicy' || Object.keys(ref as object).length !== 1) {
      throw new Error(
        `${stackName}/${roleId} attaches ${JSON.stringify(arn)}, which is not a customer-managed policy of this app`,
      );
    }
    addPolicy(policyStack, policyId as string, 'managed', policy.Properties?.PolicyDocument);
  }
  return applied;
}

/** Every statement that applies to the execution role of the function `functionId` of `stackName`. */
export function statementsForFunction(
  templates: StackTemplates,
  stackName: string,
  functionId: string,
): AppliedStatement[] {
  const fn = templates[stackName]?.Resources[functionId];
  const role = fn?.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const roleId = role?.['Fn::GetAtt']?.[1] === 'Arn' ? role['Fn::GetAtt'][0] : undefined;
  if (fn?.Type !== 'AWS::Lambda::Function' || !roleId) {
    throw new Error(`${stackName}/${functionId} is not a function with a role of its stack`);
  }
  return statementsForRole(templates, stackName, roleId);
}
