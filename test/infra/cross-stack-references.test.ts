import { STAGE_NAMES } from '../../lib/config';
import { synthStage } from './helpers/app';
import { crossStackUses, undocumentedCrossStackUses } from './helpers/cross-stack';

// The walk itself is checked on handmade templates in test/unit/cross-stack-walker.test.ts.

describe.each(STAGE_NAMES)('cross-stack references (%s)', (stage) => {
  const { app, templates } = synthStage(stage, { nag: false });
  const assembly = app.synth();

  it.each(Object.keys(templates) as (keyof typeof templates)[])(
    'the %s stack receives every value from another stack as a whole, documented value',
    (name) => {
      expect(undocumentedCrossStackUses(templates[name]!.toJSON())).toEqual([]);
    },
  );

  it('every reference names an output its producer really has, and the consumer deploys after it', () => {
    for (const stack of assembly.stacks) {
      for (const use of crossStackUses(stack.template)) {
        const producerName = /^\.Resources\./.test(use.path)
          ? findProducer(assembly.stacks, use.stackName, use.outputName)
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
  stacks: readonly { id: string; stackName: string; template: { Outputs?: Record<string, unknown> } }[],
  stackName: string,
  outputName: string,
): string | undefined {
  return stacks.find((s) => s.stackName === stackName && s.template.Outputs?.[outputName] !== undefined)?.id;
}
