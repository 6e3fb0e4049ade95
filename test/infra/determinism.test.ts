import { synthStage } from './helpers/app';

describe.each(['dev', 'prod'] as const)('synthesis of %s', (stage) => {
  it('gives identical templates twice, bundles included', () => {
    const first = synthStage(stage, { bundle: true, nag: false }).templates;
    const second = synthStage(stage, { bundle: true, nag: false }).templates;
    for (const name of ['network', 'data', 'api', 'monitoring'] as const) {
      expect(second[name].toJSON()).toEqual(first[name].toJSON());
    }
  });
});
