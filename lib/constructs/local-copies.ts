import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

/**
 * Local copies of values that other stacks publish, for properties that must
 * embed them inside a longer string (a dashboard body, a metric dimension
 * with a suffix).
 *
 * A cross-stack reference (`Fn::GetStackOutput`) is documented where a plain
 * value goes; CloudFormation does not document it inside `Fn::Join` (whose
 * list of supported functions names `Fn::ImportValue` but not
 * `Fn::GetStackOutput`) or `Fn::Sub`. So each imported value lands whole in
 * an SSM parameter of this stack (`Value`), and the composite properties read
 * it back with `Fn::GetAtt <parameter>.Value`, a documented return value of
 * `AWS::SSM::Parameter`. Standard parameters cost nothing; CloudFormation
 * names them.
 */
export class LocalCopies extends Construct {
  private readonly values = new Map<string, string>();

  /** A token for `value` that resolves inside this stack; one parameter per id. */
  copy(id: string, value: string, description: string): string {
    const existing = this.values.get(id);
    if (existing !== undefined) {
      return existing;
    }
    const parameter = new ssm.CfnParameter(this, id, {
      type: 'String',
      value,
      description: `Local copy of ${description}, for the alarms and the dashboard`,
    });
    this.values.set(id, parameter.attrValue);
    return parameter.attrValue;
  }
}
