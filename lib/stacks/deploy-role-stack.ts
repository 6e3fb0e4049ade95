import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { GitHubDeployRole } from '../constructs/github-deploy-role';
import { GitHubSmokeTestRole } from '../constructs/github-smoke-test-role';
import type { DeployRoleConfig } from '../deploy-role-config';

/** The id bin/deploy-role.ts gives the stack. */
export const DEPLOY_ROLE_STACK_ID = 'PhotoApp-DeployRole';

export interface DeployRoleStackProps extends StackProps {
  /** The validated deploy role config. */
  readonly config: DeployRoleConfig;
}

/**
 * The roles GitHub Actions of one repository assume through OIDC, deployed
 * once by an administrator (bin/deploy-role.ts), apart from the app's stages:
 * - the deploy role (pushes to the deploy branches, jobs in the deploy
 *   environments) may assume the four CDK bootstrap roles;
 * - the diff role (pull requests) may assume the read-only lookup role only, so
 *   a workflow edited in a pull request cannot deploy;
 * - the smoke-test role (pushes to the smoke-test branches) may manage the
 *   test user of the tagged user pools.
 */
export class DeployRoleStack extends Stack {
  public readonly deployRole: GitHubDeployRole;
  public readonly diffRole?: GitHubDeployRole;
  public readonly smokeTestRole?: GitHubSmokeTestRole;

  constructor(scope: Construct, id: string, props: DeployRoleStackProps) {
    super(scope, id, {
      description: `Photo-sharing reference architecture: GitHub Actions OIDC roles for ${props.config.repository}`,
      ...props,
    });
    const { config } = props;
    const { repository, bootstrapQualifier } = config;
    Tags.of(this).add('project', 'photo-sharing-reference');

    this.deployRole = new GitHubDeployRole(this, 'GitHubDeploy', {
      repository,
      branches: config.deployBranches,
      environments: config.deployEnvironments,
      bootstrapQualifier,
      ...(config.existingOidcProviderArn
        ? {
            provider: iam.OidcProviderNative.fromOidcProviderArn(
              this,
              'GitHubProvider',
              config.existingOidcProviderArn,
            ),
          }
        : {}),
    });
    const provider = this.deployRole.provider;
    new CfnOutput(this, 'DeployRoleArn', {
      value: this.deployRole.role.roleArn,
      description: 'Repository variable AWS_DEPLOY_ROLE_ARN',
    });

    if (config.pullRequestDiffs) {
      this.diffRole = new GitHubDeployRole(this, 'GitHubDiff', {
        repository,
        pullRequests: true,
        bootstrapRoles: ['lookup'],
        bootstrapQualifier,
        provider,
        description: `GitHub Actions pull requests of ${repository}: CDK lookup role only (cdk diff)`,
      });
      new CfnOutput(this, 'DiffRoleArn', {
        value: this.diffRole.role.roleArn,
        description: 'Repository variable AWS_DIFF_ROLE_ARN',
      });
    }

    if (config.smokeTestBranches.length > 0) {
      this.smokeTestRole = new GitHubSmokeTestRole(this, 'GitHubSmokeTest', {
        provider,
        repository,
        branches: config.smokeTestBranches,
        userPoolTags: config.smokeTestUserPoolTags,
      });
      new CfnOutput(this, 'SmokeTestRoleArn', {
        value: this.smokeTestRole.role.roleArn,
        description: 'Repository variable AWS_SMOKE_TEST_ROLE_ARN',
      });
    }
  }
}
