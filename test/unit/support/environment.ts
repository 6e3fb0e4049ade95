/**
 * What Lambda gives every function and the unit tests need without engines: a region and
 * credentials (never used for a real request: clients here are mocked or only sign), and quiet
 * Powertools.
 */
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'unit-test',
  AWS_SECRET_ACCESS_KEY: 'unit-test',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_SERVICE_NAME: 'photo-app-unit',
  POWERTOOLS_METRICS_NAMESPACE: 'PhotoApp/Unit',
});
