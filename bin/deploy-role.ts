#!/usr/bin/env node
/**
 * The optional deploy role app, deployed once by an administrator:
 *   npx cdk deploy -a "node --require tsx/cjs bin/deploy-role.ts" -c githubRepository=OWNER/REPO
 * Add -c githubOidcProviderArn=ARN when the account already has the GitHub provider.
 */
import { App } from 'aws-cdk-lib';
import { addComplianceChecks } from '../lib/compliance';
import { loadDeployRoleConfig } from '../lib/deploy-role-config';
import { DEPLOY_ROLE_STACK_ID, DeployRoleStack } from '../lib/stacks/deploy-role-stack';

const app = new App();
const config = loadDeployRoleConfig({
  githubRepository: app.node.tryGetContext('githubRepository'),
  githubOidcProviderArn: app.node.tryGetContext('githubOidcProviderArn'),
});
new DeployRoleStack(app, DEPLOY_ROLE_STACK_ID, { config });
addComplianceChecks(app);
