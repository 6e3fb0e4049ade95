/**
 * Typed configuration of the optional `PhotoApp-DeployRole` stack: which
 * GitHub repository, branches and environments may deploy, diff and smoke test
 * through OIDC federation. It is validated at synth time, like the stage config.
 */

/** `OWNER/REPO`, as GitHub writes it in the `sub` claim. */
export const GITHUB_REPOSITORY_PATTERN = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
/**
 * Branch names allowed in a trust policy: git's characters without glob
 * characters, since subjects are matched with StringEquals.
 */
export const GITHUB_BRANCH_PATTERN = /^(?!\/)(?!.*\/\/)(?!.*\.\.)(?!.*\/$)(?!.*\.lock$)[A-Za-z0-9._/-]+$/;
/** GitHub environment names allowed in a trust policy (no spaces, no glob characters). */
export const GITHUB_ENVIRONMENT_PATTERN = /^[A-Za-z0-9_.-]{1,255}$/;
/** `cdk bootstrap --qualifier`: it ends up in bucket and repository names, hence lower case. */
export const BOOTSTRAP_QUALIFIER_PATTERN = /^[a-z0-9]{1,10}$/;
/** The ARN of an account's GitHub Actions OIDC provider. */
export const GITHUB_OIDC_PROVIDER_ARN_PATTERN =
  /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;

export interface DeployRoleConfig {
  /**
   * The only repository whose workflows may assume the roles. It has no
   * default, so that no one trusts a placeholder repository by accident.
   */
  readonly repository: string;
  /** Branches whose push workflows deploy the dev stage. */
  readonly deployBranches: readonly string[];
  /** Protected GitHub environments whose jobs deploy (the prod job runs in `prod`). */
  readonly deployEnvironments: readonly string[];
  /** Whether pull-request workflows get the read-only diff role. */
  readonly pullRequestDiffs: boolean;
  /** Branches whose workflows may manage the smoke-test user; empty creates no smoke-test role. */
  readonly smokeTestBranches: readonly string[];
  /**
   * Tags that select the user pools the smoke-test role may manage. They must
   * match the tags lib/photo-app.ts puts on the dev stage (a test checks it).
   */
  readonly smokeTestUserPoolTags: Readonly<Record<string, string>>;
  /** Qualifier of the CDK bootstrap stack whose roles the deploy role may assume. */
  readonly bootstrapQualifier: string;
  /**
   * ARN of the account's existing GitHub OIDC provider. An account holds one
   * provider per URL, so a second stack creating one fails; unset creates it.
   */
  readonly existingOidcProviderArn?: string;
}

/** Everything but the repository, which comes from `-c githubRepository=OWNER/REPO`. */
export const DEPLOY_ROLE_DEFAULTS: Omit<DeployRoleConfig, 'repository'> = {
  deployBranches: ['main'],
  deployEnvironments: ['prod'],
  pullRequestDiffs: true,
  smokeTestBranches: ['main'],
  smokeTestUserPoolTags: { project: 'photo-sharing-reference', stage: 'dev' },
  bootstrapQualifier: 'hnb659fds',
};

export class DeployRoleConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployRoleConfigError';
  }
}

function check(condition: boolean, setting: string, message: string): void {
  if (!condition) {
    throw new DeployRoleConfigError(`Invalid deploy role config: ${setting} ${message}`);
  }
}

function checkNames(names: readonly string[], setting: string, pattern: RegExp, what: string): void {
  check(new Set(names).size === names.length, setting, 'must not repeat a name');
  for (const name of names) {
    check(pattern.test(name), setting, `must hold ${what} (got ${JSON.stringify(name)})`);
  }
}

/** Validates a deploy role config and returns it unchanged, or throws a DeployRoleConfigError. */
export function validateDeployRoleConfig(config: DeployRoleConfig): DeployRoleConfig {
  check(
    GITHUB_REPOSITORY_PATTERN.test(config.repository),
    'repository',
    `must be OWNER/REPO (got ${JSON.stringify(config.repository)})`,
  );
  checkNames(
    config.deployBranches,
    'deployBranches',
    GITHUB_BRANCH_PATTERN,
    'branch names without wildcards',
  );
  checkNames(
    config.deployEnvironments,
    'deployEnvironments',
    GITHUB_ENVIRONMENT_PATTERN,
    'environment names (letters, digits, "_", "." and "-")',
  );
  check(
    config.deployBranches.length + config.deployEnvironments.length > 0,
    'deployBranches/deployEnvironments',
    'must name at least one branch or environment that deploys',
  );
  checkNames(
    config.smokeTestBranches,
    'smokeTestBranches',
    GITHUB_BRANCH_PATTERN,
    'branch names without wildcards',
  );
  const tags = Object.entries(config.smokeTestUserPoolTags);
  check(
    config.smokeTestBranches.length === 0 || tags.length > 0,
    'smokeTestUserPoolTags',
    'must name at least one tag, or the smoke-test role could manage every user pool',
  );
  for (const [key, value] of tags) {
    check(key.length > 0 && value.length > 0, 'smokeTestUserPoolTags', 'must have non-empty keys and values');
  }
  check(
    BOOTSTRAP_QUALIFIER_PATTERN.test(config.bootstrapQualifier),
    'bootstrapQualifier',
    `must be 1-10 lower-case letters or digits (got ${JSON.stringify(config.bootstrapQualifier)})`,
  );
  const arn = config.existingOidcProviderArn;
  check(
    arn === undefined || GITHUB_OIDC_PROVIDER_ARN_PATTERN.test(arn),
    'existingOidcProviderArn',
    `must be the ARN of a token.actions.githubusercontent.com provider (got ${JSON.stringify(arn)})`,
  );
  return config;
}

/** Context values the deploy role app reads (`-c githubRepository=...`). */
export interface DeployRoleContext {
  readonly githubRepository?: unknown;
  readonly githubOidcProviderArn?: unknown;
}

function optionalString(value: unknown, setting: string): string | undefined {
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  check(typeof value === 'string', setting, `must be a string (got ${JSON.stringify(value)})`);
  return value as string;
}

/** The defaults above plus the context values, validated. */
export function loadDeployRoleConfig(context: DeployRoleContext): DeployRoleConfig {
  const repository = optionalString(context.githubRepository, 'githubRepository');
  check(
    repository !== undefined,
    'repository',
    'is required: pass -c githubRepository=OWNER/REPO (the repository whose workflows deploy)',
  );
  const existingOidcProviderArn = optionalString(context.githubOidcProviderArn, 'githubOidcProviderArn');
  return validateDeployRoleConfig({
    ...DEPLOY_ROLE_DEFAULTS,
    repository: repository as string,
    ...(existingOidcProviderArn === undefined ? {} : { existingOidcProviderArn }),
  });
}
