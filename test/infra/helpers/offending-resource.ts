/** Construct id of the resource test/infra/helpers/offending-entry-point.ts adds; it breaks AwsSolutions-S10. */
export const OFFENDING_ID = 'OffendingPlainHttpBucket';
