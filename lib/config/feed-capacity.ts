/**
 * The write capacity of the feed index, in one place for the stage validation
 * (lib/config/validation.ts) and the capacity model.
 *
 * Every READY photo is written to one of `photos.feedShards` partitions of the `feed` index. Each
 * partition of a table or an index takes at most 1,000 write units per second, and a write the
 * index cannot take throttles the table write that causes it. DynamoDB's split for heat cannot
 * help: the sort key is time-ordered, so every write lands at the newest end of a shard's key
 * range, on one side of any split point. The shards are the partitions the feed writes have.
 *
 * From the DynamoDB Developer Guide:
 * - 1,000 write units per partition per second (3,000 read units):
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html
 * - a throttled index throttles the table's writes:
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations
 * - hot partitions of an index, and split for heat:
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/throttling-key-range-limit-exceeded-mitigation.html
 * - write sharding:
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-sharding.html
 * - item size, and one write unit per 1 KB, rounded up:
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */
import type { ApiConfig } from './schema';

/** Write units per second one partition takes, of a table or of an index. */
export const DYNAMODB_PARTITION_WRITE_UNITS_PER_SECOND = 1000;

/**
 * Share of a partition that sustained feed writes may use: the rest absorbs an uneven spread over
 * the shards, SDK retries and the reshard step, and no partition is run at its limit.
 */
export const FEED_PARTITION_HEADROOM = 0.5;

/**
 * Write units of one feed-index write at most. The index projects ALL attributes, and the largest
 * photo item the contract allows (a 300-character caption of 4-byte characters, a 128-character
 * owner id) is just under 2 KB (test/app/feed.test.ts measures it): 2 units. Typical items (a
 * UUID owner, a short caption) are under 1 KB, 1 unit.
 */
export const FEED_WRITE_UNITS = 2;

export interface FeedWriteLoad {
  /** Write units per second the API throttle admits for as long as traffic lasts. */
  readonly sustainedUnitsPerSecond: number;
  /** Write units in the worst single second: a full burst bucket and a second of refill. */
  readonly worstSecondUnits: number;
}

type Throttle = Pick<ApiConfig, 'throttleRateLimit' | 'throttleBurstLimit'>;

/**
 * Feed-index write units the API throttle admits. Each request causes at most one feed-index
 * write: POST /photos leads to one READY photo, DELETE of a READY photo removes one entry.
 */
export function feedWriteLoad(api: Throttle): FeedWriteLoad {
  return {
    sustainedUnitsPerSecond: api.throttleRateLimit * FEED_WRITE_UNITS,
    worstSecondUnits: (api.throttleBurstLimit + api.throttleRateLimit) * FEED_WRITE_UNITS,
  };
}

/**
 * Fewest shards for that load: sustained writes within FEED_PARTITION_HEADROOM of each partition,
 * and the worst second within the partition limit itself (a burst may use the headroom).
 */
export function minimumFeedShards(api: Throttle): number {
  const load = feedWriteLoad(api);
  return Math.max(
    Math.ceil(
      load.sustainedUnitsPerSecond / (DYNAMODB_PARTITION_WRITE_UNITS_PER_SECOND * FEED_PARTITION_HEADROOM),
    ),
    Math.ceil(load.worstSecondUnits / DYNAMODB_PARTITION_WRITE_UNITS_PER_SECOND),
  );
}
