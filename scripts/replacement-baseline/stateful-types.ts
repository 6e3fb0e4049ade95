/**
 * Resource types whose replacement or deletion loses data, an identity
 * clients hold, or a fixed name (CloudFormation cannot replace a resource
 * with a custom name: the deployment fails halfway). Decided by walking the
 * dev and prod templates; types listed here that the app does not use yet
 * are the likely next ones (a plain DynamoDB table, a DB instance outside a
 * cluster).
 *
 * Left out on purpose, because CloudFormation recreates them from the
 * template with nothing lost: IAM roles and policies, Lambda functions,
 * permissions and event source mappings, API Gateway resources, EventBridge
 * rules, CloudWatch alarms and dashboards, security groups and their rules,
 * route tables, VPC endpoints and flow logs, bucket, queue, topic and secret
 * policies, the secret's rotation schedule and target attachment, the
 * rotation application (a nested stack of one function), the DB cluster
 * parameter group and the RDS Proxy target group (connection pool settings
 * only; the proxy is guarded), `Custom::SchemaMigrations` (its Delete does
 * nothing) and `Custom::LogRetention` (its Delete keeps the log group unless
 * told otherwise). Subnet groups and keys are guarded anyway when a guarded
 * resource names them in a create-only property (see snapshot.ts).
 */
export const GUARDED_TYPES: Readonly<Record<string, string>> = {
  'AWS::DynamoDB::GlobalTable': 'photo metadata',
  'AWS::DynamoDB::Table': 'table data',
  'AWS::S3::Bucket': 'photo bytes and access logs; the bucket name is global',
  'AWS::RDS::DBCluster': 'user profiles',
  'AWS::RDS::GlobalCluster':
    "the Aurora Global Database and its fixed identifier, which the second Region's cluster joins",
  'AWS::RDS::DBInstance': 'the cluster writer and readers; replacing one fails over',
  'AWS::RDS::DBProxy': 'the endpoint the functions connect to',
  'AWS::ElastiCache::ReplicationGroup': 'the cache and its endpoint',
  'AWS::ElastiCache::User': 'fixed user ids the functions sign in with',
  'AWS::ElastiCache::UserGroup': 'fixed id the replication group names',
  'AWS::Cognito::UserPool': 'every account, password and user id (sub)',
  'AWS::SecretsManager::Secret': 'the database admin password',
  'AWS::KMS::Key': 'data encrypted under it is unreadable once the key is deleted',
  'AWS::Logs::LogGroup': 'retained logs (access, application, flow, slow logs)',
  'AWS::EC2::VPC': 'the network every in-VPC resource lives in',
  'AWS::EC2::Subnet': 'subnets hold the database, cache and function interfaces',
  'AWS::SQS::Queue': 'failed records waiting for a replay',
  'AWS::SNS::Topic': 'subscriptions and the ARN alarms notify',
  'AWS::Backup::BackupVault':
    'recovery points; a locked vault holding any cannot be deleted, so a replacement fails',
  // Deleting it (a rename deletes the old one) empties the bucket it names: dev only.
  'Custom::S3AutoDeleteObjects': 'its Delete handler empties the bucket',
};

export function isGuardedType(type: string): boolean {
  return Object.hasOwn(GUARDED_TYPES, type);
}
