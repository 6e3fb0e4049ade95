import { STAGE_CONFIGS, STAGE_NAMES } from '../../lib/config';
import { capacityInputs } from '../../scripts/capacity';
import { stageWith } from '../support/stages';
import { synthStage } from './helpers/app';

describe.each(STAGE_NAMES)('the capacity inputs of %s, read from its templates', (stage) => {
  const config = STAGE_CONFIGS[stage];
  const inputs = capacityInputs(config, synthStage(stage, { nag: false }).templates);

  it('have the throttle of the config', () => {
    expect(inputs.api).toEqual({
      rateLimit: config.api.throttleRateLimit,
      burstLimit: config.api.throttleBurstLimit,
    });
  });

  it('have the reserved concurrency of the config, on the database API function only', () => {
    const reserved = config.api.databaseFunctionConcurrency;
    expect(inputs.reservedConcurrency).toEqual(reserved === undefined ? {} : { 'profiles-api': reserved });
  });

  it('have the proxy and the capacity range of the config', () => {
    const { proxyMaxConnectionsPercent, ...range } = inputs.database;
    expect(range).toEqual({
      minCapacity: config.database.minCapacity,
      maxCapacity: config.database.maxCapacity,
    });
    expect(proxyMaxConnectionsPercent === undefined).toBe(!config.database.proxy);
    if (proxyMaxConnectionsPercent !== undefined) {
      expect(proxyMaxConnectionsPercent).toBeGreaterThan(0);
      expect(proxyMaxConnectionsPercent).toBeLessThanOrEqual(100);
    }
  });

  it('have the cache node type of the config and a stream mapping', () => {
    expect(inputs.cache).toEqual({ nodeType: config.cache.nodeType });
    expect(inputs.streams['stream-processor'].parallelizationFactor).toBeGreaterThanOrEqual(1);
  });

  it("have process-photo's own stream mapping, five photos at a time per shard", () => {
    expect(inputs.streams['process-photo']).toEqual({ parallelizationFactor: 5 });
  });
});

describe('the capacity inputs of a stage without RDS Proxy', () => {
  const base = stageWith('disposable');
  const direct = synthStage(base.stage, {
    nag: false,
    configure: (c) => ({ ...c, database: { ...c.database, proxy: false, minCapacity: 0 } }),
  });

  it('have no proxy, and the range the stage set', () => {
    const config = { ...base, database: { ...base.database, proxy: false, minCapacity: 0 } };
    expect(capacityInputs(config, direct.templates).database).toEqual({
      minCapacity: 0,
      maxCapacity: base.database.maxCapacity,
    });
  });
});
