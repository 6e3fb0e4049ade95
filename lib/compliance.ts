import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

/**
 * Registers the cdk-nag AwsSolutions and Serverless packs on the app. Any
 * finding that is not acknowledged where it arises (with its reason) makes
 * synthesis fail, in `cdk synth` and in the tests alike.
 */
export function addComplianceChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}
