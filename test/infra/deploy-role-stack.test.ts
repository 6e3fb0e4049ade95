import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GitHubDeployRole } from '../../lib/constructs/github-deploy-role';
import { GitHubSmokeTestRole } from '../../lib/constructs/github-smoke-test-role';
import {
  DEPLOY_ROLE_DEFAULTS,
  loadDeployRoleConfig,
  validateDeployRoleConfig,
  type DeployRoleConfig,
} from '../../lib/deploy-role-config';
import { STAGE_NAMES, type StageName } from '../../lib/config';
import { synthStage } from './helpers/app';
import {
  joined,
  synthDeployRole,
  TEST_REPOSITORY,
  type SynthesizedDeployRole,
} from './helpers/deploy-role-app';

const bootstrapRoleArn = (name: string) =>
  `arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-hnb659fds-${name}-role-<AWS::AccountId>-<AWS::Region>`;

const trustPolicy = (providerLogicalId: string, subjects: string[]) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: 'sts:AssumeRoleWithWebIdentity',
      Principal: { Federated: { Ref: providerLogicalId } },
      Condition: {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': subjects,
        },
      },
    },
  ],
});

/** Every permission a role has: its inline policies, with ARNs rendered as text. */
const permissionsOf = (role: { Properties: Record<string, any> }) =>
  (role.Properties.Policies as Array<{ PolicyName: string; PolicyDocument: { Statement: any[] } }>).map(
    (policy) => ({
      name: policy.PolicyName,
      statements: policy.PolicyDocument.Statement.map((s) => ({ ...s, Resource: joined(s.Resource) })),
    }),
  );

describe('deploy role stack', () => {
  let synth: SynthesizedDeployRole;
  let providerId: string;
  beforeAll(() => {
    synth = synthDeployRole();
    providerId = Object.keys(synth.template.findResources('AWS::IAM::OIDCProvider'))[0]!;
  });

  it('pins the logical ids of the provider and the roles, whose ARNs live in repository variables', () => {
    expect(Object.keys(synth.template.findResources('AWS::IAM::OIDCProvider'))).toEqual([
      'GitHubDeployProviderE43DDA21',
    ]);
    expect(Object.keys(synth.template.findResources('AWS::IAM::Role')).sort()).toEqual([
      'GitHubDeployRoleC7AD0BAA',
      'GitHubDiffRole8BF7C92D',
      'GitHubSmokeTestRole3A6AAA19',
    ]);
  });

  it('creates the native GitHub OIDC provider for sts.amazonaws.com, with no thumbprint and no custom resource', () => {
    expect(synth.template.findResources('AWS::IAM::OIDCProvider')[providerId].Properties).toEqual({
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
      Tags: [{ Key: 'project', Value: 'photo-sharing-reference' }],
    });
    synth.template.resourceCountIs('Custom::AWSCDKOpenIdConnectProvider', 0);
    synth.template.resourceCountIs('AWS::Lambda::Function', 0);
  });

  it('lets only main-branch runs and prod-environment jobs of the one repository assume the deploy role', () => {
    expect(synth.resourceOf(synth.stack.deployRole.role).Properties.AssumeRolePolicyDocument).toEqual(
      trustPolicy(providerId, [
        `repo:${TEST_REPOSITORY}:ref:refs/heads/main`,
        `repo:${TEST_REPOSITORY}:environment:prod`,
      ]),
    );
  });

  it('gives the deploy role sts:AssumeRole on the four named CDK bootstrap roles and nothing else', () => {
    const role = synth.resourceOf(synth.stack.deployRole.role);
    expect(permissionsOf(role)).toEqual([
      {
        name: 'AssumeCdkBootstrapRoles',
        statements: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Resource: ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map(bootstrapRoleArn),
          },
        ],
      },
    ]);
    expect(role.Properties).not.toHaveProperty('ManagedPolicyArns');
  });

  it('attaches no policy outside the roles themselves', () => {
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::User', 'AWS::IAM::Group']) {
      synth.template.resourceCountIs(type, 0);
    }
  });

  it('lets pull requests assume only the diff role, which may assume only the read-only lookup role', () => {
    const role = synth.resourceOf(synth.stack.diffRole!.role);
    expect(role.Properties.AssumeRolePolicyDocument).toEqual(
      trustPolicy(providerId, [`repo:${TEST_REPOSITORY}:pull_request`]),
    );
    expect(permissionsOf(role)).toEqual([
      {
        name: 'AssumeCdkBootstrapRoles',
        statements: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: bootstrapRoleArn('lookup') }],
      },
    ]);
    expect(role.Properties).not.toHaveProperty('ManagedPolicyArns');
  });

  it('lets main-branch runs manage the smoke-test user in user pools tagged for the dev stage only', () => {
    const role = synth.resourceOf(synth.stack.smokeTestRole!.role);
    expect(role.Properties.AssumeRolePolicyDocument).toEqual(
      trustPolicy(providerId, [`repo:${TEST_REPOSITORY}:ref:refs/heads/main`]),
    );
    expect(permissionsOf(role)).toEqual([
      {
        name: 'ManageSmokeTestUser',
        statements: [
          {
            Effect: 'Allow',
            Action: [
              'cognito-idp:AdminCreateUser',
              'cognito-idp:AdminGetUser',
              'cognito-idp:AdminInitiateAuth',
              'cognito-idp:AdminSetUserPassword',
            ],
            Resource: 'arn:<AWS::Partition>:cognito-idp:<AWS::Region>:<AWS::AccountId>:userpool/*',
            Condition: {
              StringEquals: {
                'aws:ResourceTag/project': 'photo-sharing-reference',
                'aws:ResourceTag/stage': 'dev',
              },
            },
          },
        ],
      },
    ]);
    expect(role.Properties).not.toHaveProperty('ManagedPolicyArns');
  });

  it("selects the user pool the stage its tags name actually deploys, and no other stage's", () => {
    const poolTags = (stage: StageName) =>
      Object.values(
        synthStage(stage, { nag: false }).templates.data.findResources('AWS::Cognito::UserPool'),
      ).map((pool) => pool.Properties.UserPoolTags);
    const wanted = DEPLOY_ROLE_DEFAULTS.smokeTestUserPoolTags;
    expect(STAGE_NAMES).toContain(wanted.stage);
    for (const stage of STAGE_NAMES) {
      const matches = [expect.objectContaining(wanted)];
      if (stage === wanted.stage) expect(poolTags(stage)).toEqual(matches);
      else expect(poolTags(stage)).not.toEqual(matches);
    }
  });

  it('caps every session at one hour', () => {
    const roles = Object.values(synth.template.findResources('AWS::IAM::Role'));
    expect(roles.map((role) => role.Properties.MaxSessionDuration)).toEqual([3600, 3600, 3600]);
  });

  it('outputs the role ARNs for the repository variables', () => {
    const outputs = synth.template.toJSON().Outputs;
    expect(outputs.DeployRoleArn.Value).toEqual({ 'Fn::GetAtt': ['GitHubDeployRoleC7AD0BAA', 'Arn'] });
    expect(outputs.DiffRoleArn.Value).toEqual({ 'Fn::GetAtt': ['GitHubDiffRole8BF7C92D', 'Arn'] });
    expect(outputs.SmokeTestRoleArn.Value).toEqual({ 'Fn::GetAtt': ['GitHubSmokeTestRole3A6AAA19', 'Arn'] });
  });

  it('synthesizes with zero unacknowledged AwsSolutions and Serverless findings', () => {
    const report = JSON.parse(
      fs.readFileSync(path.join(synth.app.outdir, 'validation-report.json'), 'utf8'),
    ) as { pluginReports: Array<{ violations: unknown[] }> };
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });

  it('matches its snapshot', () => {
    expect(synth.template.toJSON()).toMatchSnapshot();
  });
});

describe('deploy role stack options', () => {
  const arn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

  it('trusts an existing provider instead of creating a second one', () => {
    const synth = synthDeployRole({ existingOidcProviderArn: arn });
    synth.template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    for (const role of Object.values(synth.template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Federated: arn });
    }
  });

  it('leaves out the diff and smoke-test roles when they are switched off', () => {
    const synth = synthDeployRole({ pullRequestDiffs: false, smokeTestBranches: [] });
    expect(Object.keys(synth.template.findResources('AWS::IAM::Role'))).toEqual(['GitHubDeployRoleC7AD0BAA']);
    expect(Object.keys(synth.template.toJSON().Outputs)).toEqual(['DeployRoleArn']);
  });

  it('names the bootstrap roles of another qualifier', () => {
    const synth = synthDeployRole({ bootstrapQualifier: 'photos1' });
    const [statement] = permissionsOf(synth.resourceOf(synth.stack.deployRole.role))[0].statements;
    expect(statement.Resource).toContain(
      'arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-photos1-deploy-role-<AWS::AccountId>-<AWS::Region>',
    );
  });

  it('is registered with cdk-nag by bin/deploy-role.ts itself', () => {
    const source = fs.readFileSync(path.join(__dirname, '..', '..', 'bin', 'deploy-role.ts'), 'utf8');
    expect(source).toMatch(/addComplianceChecks\(app\)/);
  });
});

describe('deploy role config', () => {
  const valid: DeployRoleConfig = { ...DEPLOY_ROLE_DEFAULTS, repository: TEST_REPOSITORY };
  const invalid = (change: Partial<DeployRoleConfig>) => () =>
    validateDeployRoleConfig({ ...valid, ...change });

  it('takes the repository and an existing provider from the context, the rest from the defaults', () => {
    const arn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    expect(loadDeployRoleConfig({ githubRepository: TEST_REPOSITORY, githubOidcProviderArn: arn })).toEqual({
      ...valid,
      existingOidcProviderArn: arn,
    });
  });

  it('requires the repository, so that no placeholder repository is ever trusted', () => {
    expect(() => loadDeployRoleConfig({})).toThrow(
      'Invalid deploy role config: repository is required: pass -c githubRepository=OWNER/REPO',
    );
    expect(() => loadDeployRoleConfig({ githubRepository: 42 })).toThrow(/githubRepository must be a string/);
  });

  it.each(['acme', 'acme/photo app', 'acme/*', 'acme/photo/app', 'https://github.com/acme/photo-app'])(
    'rejects the repository %j',
    (repository) => {
      expect(invalid({ repository })).toThrow(/repository must be OWNER\/REPO/);
    },
  );

  it.each(['*', 'release/*', 'feature..x', '/main', 'main/', 'main.lock', 'a b'])(
    'rejects the branch %j',
    (branch) => {
      expect(invalid({ deployBranches: [branch] })).toThrow(
        /deployBranches must hold branch names without wildcards/,
      );
      expect(invalid({ smokeTestBranches: [branch] })).toThrow(/smokeTestBranches must hold branch names/);
    },
  );

  it('accepts branch names with slashes and dots', () => {
    expect(() =>
      validateDeployRoleConfig({ ...valid, deployBranches: ['main', 'release/1.2'] }),
    ).not.toThrow();
  });

  it.each(['pro d', 'prod*', ''])('rejects the environment %j', (environment) => {
    expect(invalid({ deployEnvironments: [environment] })).toThrow(
      /deployEnvironments must hold environment names/,
    );
  });

  it('rejects a repeated name and a config that deploys from nowhere', () => {
    expect(invalid({ deployBranches: ['main', 'main'] })).toThrow(/deployBranches must not repeat a name/);
    expect(invalid({ deployBranches: [], deployEnvironments: [] })).toThrow(
      /must name at least one branch or environment that deploys/,
    );
  });

  it('rejects a smoke-test role without user pool tags, which would reach every user pool', () => {
    expect(invalid({ smokeTestUserPoolTags: {} })).toThrow(
      /smokeTestUserPoolTags must name at least one tag/,
    );
    expect(invalid({ smokeTestUserPoolTags: { stage: '' } })).toThrow(/non-empty keys and values/);
  });

  it('rejects a bootstrap qualifier that cdk bootstrap would refuse', () => {
    expect(invalid({ bootstrapQualifier: 'HNB659FDS' })).toThrow(
      /bootstrapQualifier must be 1-10 lower-case/,
    );
    expect(invalid({ bootstrapQualifier: 'muchtoolong1' })).toThrow(/bootstrapQualifier/);
  });

  it('rejects a provider ARN that is not the GitHub Actions provider', () => {
    expect(
      invalid({ existingOidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/accounts.google.com' }),
    ).toThrow(/existingOidcProviderArn must be the ARN of a token.actions.githubusercontent.com provider/);
  });
});

describe('GitHub role construct props validation', () => {
  const stack = () => new Stack(new App(), 'Test');

  it('GitHubDeployRole refuses a role that no workflow run could assume', () => {
    expect(() => new GitHubDeployRole(stack(), 'Role', { repository: TEST_REPOSITORY })).toThrow(
      'GitHubDeployRole: name at least one branch, environment or pull requests that may assume the role',
    );
  });

  it('GitHubDeployRole rejects a repository that is not OWNER/REPO and a wildcard branch', () => {
    expect(() => new GitHubDeployRole(stack(), 'Role', { repository: 'acme/*', branches: ['main'] })).toThrow(
      /GitHubDeployRole: repository must be OWNER\/REPO/,
    );
    expect(
      () => new GitHubDeployRole(stack(), 'Role', { repository: TEST_REPOSITORY, branches: ['*'] }),
    ).toThrow(/GitHubDeployRole: branches must be branch names without wildcards/);
  });

  it('GitHubDeployRole accepts only the bootstrap roles the CLI uses', () => {
    expect(
      () =>
        new GitHubDeployRole(stack(), 'Role', {
          repository: TEST_REPOSITORY,
          branches: ['main'],
          bootstrapRoles: ['cfn-exec' as never],
        }),
    ).toThrow(/bootstrapRoles must be among deploy, file-publishing, image-publishing, lookup/);
    expect(
      () =>
        new GitHubDeployRole(stack(), 'Role', {
          repository: TEST_REPOSITORY,
          branches: ['main'],
          bootstrapRoles: [],
        }),
    ).toThrow(/bootstrapRoles must name at least one role/);
  });

  it('GitHubSmokeTestRole refuses to reach every user pool', () => {
    const scope = stack();
    const provider = iam.OidcProviderNative.fromOidcProviderArn(
      scope,
      'Provider',
      'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
    );
    expect(
      () =>
        new GitHubSmokeTestRole(scope, 'Role', { provider, repository: TEST_REPOSITORY, userPoolTags: {} }),
    ).toThrow(/GitHubSmokeTestRole: userPoolTags must name at least one non-empty tag/);
  });
});
