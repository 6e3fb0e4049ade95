import type { Template } from 'aws-cdk-lib/assertions';
import type { PhotoAppStacks } from '../../../lib/photo-app';

/** A synthesized template, read as plain JSON. */
export interface TemplateJson {
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, any>; [key: string]: any }>;
  readonly Outputs?: Record<string, { Value: unknown; [key: string]: unknown }>;
}

/** The templates of one app, by stack name: what `Fn::GetStackOutput` names. */
export type StackTemplates = Readonly<Record<string, TemplateJson>>;

/** A value one stack reads from another: the producer and its output. */
export interface StackOutputValue {
  readonly stackName: string;
  readonly outputName: string;
  /** The output's `Value`, in the producer's terms (its own logical ids). */
  readonly value: unknown;
  /** The producer's Region where the reference names one (stacks pinned to a Region do). */
  readonly region?: string;
}

/** Keys by stack name the templates of an app built by `synthStage` (or by hand from its stacks). */
export function templatesByStackName(app: {
  readonly stacks: PhotoAppStacks;
  readonly templates: Readonly<Partial<Record<keyof PhotoAppStacks, Template>>>;
}): StackTemplates {
  const parts = Object.keys(app.stacks) as (keyof PhotoAppStacks)[];
  return Object.fromEntries(
    parts.map((part) => [app.stacks[part]!.stackName, app.templates[part]!.toJSON() as TemplateJson]),
  );
}

const GET_STACK_OUTPUT = 'Fn::GetStackOutput';

/**
 * The producer's output that `value` reads, if `value` is, as a whole, a
 * `Fn::GetStackOutput` (nothing around it). The Region is the consumer's
 * (`Ref AWS::Region`) or a literal one (stacks pinned to a Region name their
 * producer's, across Regions too). Throws when the Region is anything else, or
 * the reference names a stack or output that does not exist: such a
 * reference would fail the deploy, and a test following it must not guess.
 */
export function followStackOutput(templates: StackTemplates, value: unknown): StackOutputValue | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== GET_STACK_OUTPUT) return undefined;
  const args = (value as Record<string, Record<string, unknown>>)[GET_STACK_OUTPUT];
  const { StackName, OutputName, Region, ...rest } = args;
  const where = JSON.stringify(value);
  if (Object.keys(rest).length > 0) throw new Error(`${where}: unexpected arguments`);
  const literalRegion = typeof Region === 'string' ? Region : undefined;
  if (
    Region !== undefined &&
    literalRegion === undefined &&
    JSON.stringify(Region) !== JSON.stringify({ Ref: 'AWS::Region' })
  ) {
    throw new Error(`${where}: names its Region with something other than a literal or Ref AWS::Region`);
  }
  if (typeof StackName !== 'string' || typeof OutputName !== 'string') {
    throw new Error(`${where}: stack and output must be literal names`);
  }
  const producer = templates[StackName];
  if (!producer) throw new Error(`${where}: no stack ${StackName} in this app`);
  const output = producer.Outputs?.[OutputName];
  if (!output) throw new Error(`${where}: ${StackName} has no output ${OutputName}`);
  return {
    stackName: StackName,
    outputName: OutputName,
    value: output.Value,
    ...(literalRegion ? { region: literalRegion } : {}),
  };
}

/**
 * Whether `value`, read in `consumerStack`, is the resource `id` of
 * `producerStack` through `{Ref: id}`: a local `Ref` in the same stack, or a
 * whole `Fn::GetStackOutput` of an output whose value is that `Ref`.
 */
export function isRefTo(
  templates: StackTemplates,
  consumerStack: string,
  value: unknown,
  producerStack: string,
  id: string,
): boolean {
  const ref = JSON.stringify({ Ref: id });
  if (consumerStack === producerStack && JSON.stringify(value) === ref) return true;
  const followed = followStackOutput(templates, value);
  return followed?.stackName === producerStack && JSON.stringify(followed.value) === ref;
}
