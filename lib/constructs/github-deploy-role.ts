import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  BOOTSTRAP_QUALIFIER_PATTERN,
  GITHUB_BRANCH_PATTERN,
  GITHUB_ENVIRONMENT_PATTERN,
  GITHUB_REPOSITORY_PATTERN,
} from '../deploy-role-config';

/** Issuer of GitHub Actions ID tokens. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
/** The audience aws-actions/configure-aws-credentials asks GitHub for. */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

/** The roles `cdk bootstrap` creates for the CLI (the CloudFormation execution role is not among them). */
export const BOOTSTRAP_ROLES = ['deploy', 'file-publishing', 'image-publishing', 'lookup'] as const;
export type BootstrapRole = (typeof BOOTSTRAP_ROLES)[number];

/** Which runs of a repository's workflows may assume a role. */
export interface GitHubWorkflowRuns {
  /** `OWNER/REPO` whose workflows may assume the role. */
  readonly repository: string;
  /**
   * Branches whose workflow runs may assume the role (`sub` = `repo:OWNER/REPO:ref:refs/heads/BRANCH`).
   * A job that names an environment gets the environment subject instead.
   * @default - no branch
   */
  readonly branches?: readonly string[];
  /**
   * GitHub environments whose jobs may assume the role (`sub` = `repo:OWNER/REPO:environment:NAME`).
   * @default - no environment
   */
  readonly environments?: readonly string[];
  /**
   * Whether pull-request workflow runs may assume the role (`sub` = `repo:OWNER/REPO:pull_request`).
   * @default false
   */
  readonly pullRequests?: boolean;
}

/**
 * Validates the runs and returns the `sub` claims they carry. The owner of the
 * error message (the construct) is named in `owner`.
 */
export function gitHubSubjects(owner: string, runs: GitHubWorkflowRuns): string[] {
  const { repository, branches = [], environments = [], pullRequests = false } = runs;
  if (!GITHUB_REPOSITORY_PATTERN.test(repository)) {
    throw new Error(`${owner}: repository must be OWNER/REPO (got ${JSON.stringify(repository)})`);
  }
  for (const branch of branches) {
    if (!GITHUB_BRANCH_PATTERN.test(branch)) {
      throw new Error(
        `${owner}: branches must be branch names without wildcards (got ${JSON.stringify(branch)})`,
      );
    }
  }
  for (const environment of environments) {
    if (!GITHUB_ENVIRONMENT_PATTERN.test(environment)) {
      throw new Error(
        `${owner}: environments must be environment names (got ${JSON.stringify(environment)})`,
      );
    }
  }
  const subjects = [
    ...branches.map((branch) => `repo:${repository}:ref:refs/heads/${branch}`),
    ...environments.map((environment) => `repo:${repository}:environment:${environment}`),
    ...(pullRequests ? [`repo:${repository}:pull_request`] : []),
  ];
  if (subjects.length === 0) {
    throw new Error(
      `${owner}: name at least one branch, environment or pull requests that may assume the role`,
    );
  }
  if (new Set(subjects).size !== subjects.length) {
    throw new Error(`${owner}: branches and environments must not repeat a name`);
  }
  return subjects;
}

/**
 * The principal of GitHub Actions tokens minted for sts.amazonaws.com whose
 * `sub` is exactly one of `subjects`: StringEquals, so no wildcard widens it.
 */
export function gitHubActionsPrincipal(
  provider: iam.IOidcProvider,
  subjects: readonly string[],
): iam.IPrincipal {
  return new iam.OpenIdConnectPrincipal(provider, {
    StringEquals: {
      [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
      [`${GITHUB_OIDC_HOST}:sub`]: [...subjects],
    },
  });
}

export interface GitHubDeployRoleProps extends GitHubWorkflowRuns {
  /**
   * The bootstrap roles the role may assume. The CLI does its work through
   * them; this role itself can do nothing else.
   * @default - all four: deploy, file-publishing, image-publishing, lookup
   */
  readonly bootstrapRoles?: readonly BootstrapRole[];
  /**
   * Qualifier of the bootstrap stack (`cdk bootstrap --qualifier`).
   * @default 'hnb659fds' (the CDK default)
   */
  readonly bootstrapQualifier?: string;
  /**
   * The account's GitHub Actions OIDC provider, when it exists already or is
   * shared with another role (an account holds one provider per URL).
   * @default - a provider is created
   */
  readonly provider?: iam.IOidcProvider;
  /**
   * Description of the role.
   * @default - says which repository it serves
   */
  readonly description?: string;
}

/**
 * A role that GitHub Actions workflows of one repository assume through OIDC
 * federation, with no long-lived keys. It may only assume the CDK bootstrap
 * roles of its own account and region, so `cdk diff` and `cdk deploy` work and
 * nothing else does; sessions last at most one hour.
 */
export class GitHubDeployRole extends Construct {
  /** The OIDC provider trusted by the role (created here unless passed in). */
  public readonly provider: iam.IOidcProvider;
  /** The role workflows assume (`role-to-assume` of configure-aws-credentials). */
  public readonly role: iam.IRole;
  /** The `sub` claims the trust policy accepts. */
  public readonly subjects: readonly string[];

  constructor(scope: Construct, id: string, props: GitHubDeployRoleProps) {
    super(scope, id);
    const subjects = gitHubSubjects('GitHubDeployRole', props);
    const bootstrapRoles = props.bootstrapRoles ?? BOOTSTRAP_ROLES;
    if (bootstrapRoles.length === 0 || new Set(bootstrapRoles).size !== bootstrapRoles.length) {
      throw new Error('GitHubDeployRole: bootstrapRoles must name at least one role, each once');
    }
    for (const name of bootstrapRoles) {
      if (!(BOOTSTRAP_ROLES as readonly string[]).includes(name)) {
        throw new Error(
          `GitHubDeployRole: bootstrapRoles must be among ${BOOTSTRAP_ROLES.join(', ')} (got ${name})`,
        );
      }
    }
    const qualifier = props.bootstrapQualifier ?? 'hnb659fds';
    if (!BOOTSTRAP_QUALIFIER_PATTERN.test(qualifier)) {
      throw new Error(
        `GitHubDeployRole: bootstrapQualifier must be 1-10 lower-case letters or digits (got ${qualifier})`,
      );
    }

    // IAM checks GitHub's certificate against its own trusted CAs, so no thumbprint is pinned.
    this.provider =
      props.provider ??
      new iam.OidcProviderNative(this, 'Provider', {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIds: [GITHUB_OIDC_AUDIENCE],
      });
    this.subjects = subjects;

    const stack = Stack.of(this);
    // Named roles rather than a `cdk-<qualifier>-*` pattern: the pattern would also match the
    // CloudFormation execution role and any role a later bootstrap version adds.
    const bootstrapRoleArns = bootstrapRoles.map((name) =>
      stack.formatArn({
        service: 'iam',
        region: '',
        resource: 'role',
        resourceName: `cdk-${qualifier}-${name}-role-${stack.account}-${stack.region}`,
      }),
    );
    this.role = new iam.Role(this, 'Role', {
      assumedBy: gitHubActionsPrincipal(this.provider, subjects),
      description: props.description ?? `GitHub Actions of ${props.repository}: CDK bootstrap roles only`,
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        AssumeCdkBootstrapRoles: new iam.PolicyDocument({
          statements: [
            // No sts:TagSession: the CLI passes no session tags unless the synthesizer asks it to.
            new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: bootstrapRoleArns }),
          ],
        }),
      },
    });
  }
}
