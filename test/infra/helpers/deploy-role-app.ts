import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { addComplianceChecks } from '../../../lib/compliance';
import {
  DEPLOY_ROLE_DEFAULTS,
  validateDeployRoleConfig,
  type DeployRoleConfig,
} from '../../../lib/deploy-role-config';
import { DEPLOY_ROLE_STACK_ID, DeployRoleStack } from '../../../lib/stacks/deploy-role-stack';
import { CDK_JSON_CONTEXT } from '../../../scripts/cdk-context';

/** The repository the tests configure. */
export const TEST_REPOSITORY = 'acme-corp/photo-app';

export interface SynthesizedDeployRole {
  readonly app: App;
  readonly stack: DeployRoleStack;
  readonly template: Template;
  /** The synthesized CloudFormation resource of a construct (for example `stack.deployRole.role`). */
  readonly resourceOf: (construct: IConstruct) => { Type: string; Properties: Record<string, any> };
}

/** Builds and synthesizes the deploy role app the way bin/deploy-role.ts does, with cdk-nag on. */
export function synthDeployRole(overrides: Partial<DeployRoleConfig> = {}): SynthesizedDeployRole {
  const app = new App({ context: CDK_JSON_CONTEXT });
  const config = validateDeployRoleConfig({
    ...DEPLOY_ROLE_DEFAULTS,
    repository: TEST_REPOSITORY,
    ...overrides,
  });
  const stack = new DeployRoleStack(app, DEPLOY_ROLE_STACK_ID, { config });
  addComplianceChecks(app);
  app.synth();
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, any> }
  >;
  const resourceOf = (construct: IConstruct) => {
    const logicalId = stack.getLogicalId(construct.node.defaultChild as CfnResource);
    const resource = resources[logicalId];
    if (!resource) throw new Error(`no resource ${logicalId} in the template`);
    return resource;
  };
  return { app, stack, template, resourceOf };
}

/**
 * Renders `{ "Fn::Join": ["", [...]] }` as one string with `<Ref>` placeholders
 * (`arn:<AWS::Partition>:iam::<AWS::AccountId>:role/...`), so tests compare ARNs as text.
 */
export function joined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(joined);
  if (value !== null && typeof value === 'object' && 'Fn::Join' in value) {
    const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return parts
      .map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`))
      .join(separator);
  }
  return value;
}
