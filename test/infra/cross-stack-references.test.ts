import { STAGE_NAMES } from '../../lib/config';
import { synthStage } from './helpers/app';
import { crossStackUses, undocumentedCrossStackUses } from './helpers/cross-stack';

describe.each(STAGE_NAMES)('cross-stack references (%s)', (stage) => {
  const { app, templates } = synthStage(stage, { nag: false });
  const assembly = app.synth();

  it.each(Object.keys(templates) as (keyof typeof templates)[])(
    'the %s stack receives every value from another stack as a whole, documented value',
    (name) => {
      expect(undocumentedCrossStackUses(templates[name].toJSON())).toEqual([]);
    },
  );

  it('every reference names an output its producer really has, and the consumer deploys after it', () => {
    for (const stack of assembly.stacks) {
      for (const use of crossStackUses(stack.template)) {
        const producerName = /^\.Resources\./.test(use.path)
          ? findProducer(assembly.stacks, use.outputName)
          : undefined;
        expect(producerName).toBeDefined();
        expect(stack.dependencies.map((d) => d.id)).toContain(producerName);
      }
    }
  });

  it('the API and the monitoring stacks do read values from the data stack (the walk sees them)', () => {
    expect(crossStackUses(templates.api.toJSON()).length).toBeGreaterThan(5);
    expect(crossStackUses(templates.monitoring.toJSON()).length).toBeGreaterThan(5);
  });
});

function findProducer(
  stacks: readonly { id: string; template: { Outputs?: Record<string, unknown> } }[],
  outputName: string,
): string | undefined {
  return stacks.find((s) => s.template.Outputs?.[outputName] !== undefined)?.id;
}

describe('the walk itself', () => {
  const reference = { 'Fn::GetStackOutput': { StackName: 'P', OutputName: 'Out' } };

  it('accepts a whole property value and a whole list element', () => {
    expect(
      undocumentedCrossStackUses({
        Resources: { R: { Properties: { A: reference, B: ['x', reference] } } },
      }),
    ).toEqual([]);
  });

  it('reports a reference inside Fn::Join, Fn::Select over Fn::Split, and Fn::Sub, with its path', () => {
    expect(
      undocumentedCrossStackUses({
        Resources: {
          R: {
            Properties: {
              Arn: { 'Fn::Join': ['', [reference, '/index/*']] },
              Id: { 'Fn::Select': [6, { 'Fn::Split': [':', reference] }] },
              Url: { 'Fn::Sub': ['https://${X}', { X: reference }] },
            },
          },
        },
      }),
    ).toEqual([
      '.Resources.R.Properties.Arn.Fn::Join[1][0]: Out inside Fn::Join',
      '.Resources.R.Properties.Id.Fn::Select[1].Fn::Split[1]: Out inside Fn::Select > Fn::Split',
      '.Resources.R.Properties.Url.Fn::Sub[1].X: Out inside Fn::Sub',
    ]);
  });

  it('reports a reference in an output value', () => {
    expect(undocumentedCrossStackUses({ Outputs: { O: { Value: reference } } })).toEqual([
      '.Outputs.O.Value: Out outside resource properties',
    ]);
  });
});
