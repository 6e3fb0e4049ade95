import { crossStackUses, undocumentedCrossStackUses } from '../infra/helpers/cross-stack';

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

  it('reports a reference in a condition, and finds one under a nested property', () => {
    expect(
      undocumentedCrossStackUses({
        Conditions: { C: { 'Fn::Equals': [reference, 'x'] } },
        Resources: { R: { Properties: { Tags: [{ Key: 'k', Value: reference }] } } },
      }),
    ).toEqual(['.Conditions.C.Fn::Equals[0]: Out inside Fn::Equals']);
    expect(
      crossStackUses({ Resources: { R: { Properties: { Tags: [{ Key: 'k', Value: reference }] } } } }),
    ).toEqual([
      { path: '.Resources.R.Properties.Tags[0].Value', enclosedBy: [], outputName: 'Out', stackName: 'P' },
    ]);
  });
});
