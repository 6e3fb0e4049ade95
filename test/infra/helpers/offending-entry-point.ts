/**
 * The app's own entry point, bin/app.ts, as `cdk synth` runs it, with one
 * resource that breaks an AwsSolutions rule: a bucket that accepts plain
 * HTTP (AwsSolutions-S10). Nothing of bin/app.ts changes and nothing ships:
 * this file wraps aws-cdk-lib's App#synth, which the entry point's process
 * calls on exit (an App synthesizes itself when the CLI sets CDK_OUTDIR), so
 * the resource joins the app's first stack after bin/app.ts has built it.
 * Whether synthesis then fails is up to bin/app.ts alone.
 */
import { App, Stack, type StageSynthesisOptions } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import '../../../bin/app';
import { OFFENDING_ID } from './offending-resource';

// eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the app as `this`
const synth = App.prototype.synth;
App.prototype.synth = function (this: App, options?: StageSynthesisOptions) {
  const stack = this.node.children.find((child) => Stack.isStack(child));
  if (stack && !stack.node.tryFindChild(OFFENDING_ID)) {
    new s3.Bucket(stack, OFFENDING_ID, { enforceSSL: false });
  }
  return synth.call(this, options);
};
