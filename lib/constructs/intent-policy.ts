import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * A customer-managed policy for one intent, defined beside the resource it
 * governs; roles in other stacks attach it by its ARN.
 *
 * Why not a grant on the role: the role's inline policy would be built in the
 * consumer's stack, and every ARN with a suffix (`<table>/index/<name>`, a
 * proxy's `dbuser:<id>/<user>`) would put a cross-stack reference inside
 * `Fn::Join`/`Fn::Split`, where CloudFormation does not document
 * `Fn::GetStackOutput`. Attached this way, the only value that crosses the
 * stack boundary is the policy ARN, a whole element of `ManagedPolicyArns`.
 * The policy and its review also live with the resource.
 */
export function intentPolicy(
  scope: Construct,
  id: string,
  description: string,
  statements: iam.PolicyStatement[],
): iam.ManagedPolicy {
  const existing = scope.node.tryFindChild(id);
  if (existing) {
    return existing as iam.ManagedPolicy;
  }
  return new iam.ManagedPolicy(scope, id, { description, statements });
}
