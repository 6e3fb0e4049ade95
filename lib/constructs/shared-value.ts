import { CfnOutput, Fn, Stack, Token } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';

export interface SharedValueProps {
  /** The value, composed in the producing stack (it may join several of its own attributes). */
  readonly value: string;
  /** What the value is, shown on the stack output. */
  readonly description: string;
}

/**
 * A value that other stacks read whole: the producing stack composes it and
 * publishes it as one output; a consumer gets a plain `Fn::GetStackOutput`.
 *
 * CDK's own cross-stack references publish each `Ref`/`Fn::GetAtt` on its
 * own and rebuild the rest in the consumer, which puts `Fn::GetStackOutput`
 * inside `Fn::Join` or `Fn::Split`, where CloudFormation does not document
 * it. A value that needs a prefix or suffix (an issuer URL, a list joined
 * with commas) is composed here instead, where its parts are local.
 */
export class SharedValue extends Construct {
  private readonly value: string;
  private readonly output: CfnOutput;

  constructor(scope: Construct, id: string, props: SharedValueProps) {
    super(scope, id);
    this.value = props.value;
    this.output = new CfnOutput(this, 'Output', { value: props.value, description: props.description });
  }

  /**
   * The value as seen from `consumer`: the value itself inside the producing
   * stack, elsewhere a whole `Fn::GetStackOutput`, with the consumer's stack
   * made to deploy after the producer (a weak reference carries no order).
   */
  valueFor(consumer: IConstruct): string {
    const producer = Stack.of(this);
    const consumerStack = Stack.of(consumer);
    if (producer === consumerStack) {
      return this.value;
    }
    consumerStack.addStackDependency(producer, `reads ${this.node.path}`);
    // Across Regions the reference names the producer's (Fn::GetStackOutput takes a Region; both
    // stacks are pinned then, as CDK requires of cross-Region references).
    const crossRegion = !Token.isUnresolved(producer.region) && producer.region !== consumerStack.region;
    return crossRegion
      ? Fn.getStackOutput(producer.stackName, this.output.logicalId, producer.region)
      : Fn.getStackOutput(producer.stackName, this.output.logicalId);
  }
}
