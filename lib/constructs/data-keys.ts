import { ArnFormat, Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** What a key protects: one key per class, so revoking or auditing one class never touches another. */
export type DataClass = 'photos' | 'logs' | 'secrets' | 'database';

/** The classes of a stage's own Region; the second Region of disaster recovery has its own list. */
export const DATA_CLASSES: readonly DataClass[] = ['photos', 'logs', 'secrets'];

/** Every stack of a stage reaches photos and logs; the others exist where their data does. */
type AlwaysThere = 'photos' | 'logs';

/** The keys as a stack uses them. */
export type DataKeyRefs = Readonly<Record<AlwaysThere, kms.IKey> & Partial<Record<DataClass, kms.IKey>>>;

export interface DataKeysProps {
  /** The stage, for the aliases (`alias/photoapp-<stage>-<class>`). */
  readonly stage: string;
  /** Kept (production) or scheduled for deletion with the stack. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Days between a key's scheduled deletion and its deletion, 7-30: the time left to cancel it
   * before everything it encrypted becomes unreadable. @default 30
   */
  readonly pendingWindowDays?: number;
  /** The classes to create; photos and logs always. @default DATA_CLASSES */
  readonly classes?: readonly DataClass[];
}

const DESCRIPTIONS: Record<DataClass, string> = {
  photos: 'Photo objects in the photo bucket (SSE-KMS with S3 Bucket Keys)',
  logs: 'CloudWatch Logs log groups of the functions, the API access logs, VPC flow logs and the cache',
  secrets: 'The profile database admin secret in Secrets Manager',
  database: "Storage of the Aurora Global Database's secondary cluster in this Region",
};

/**
 * Customer-managed KMS keys, one per data class, with yearly rotation.
 *
 * Each key policy keeps CDK's default statement, which gives the account (its root user) `kms:*`:
 * that is the policy statement AWS documents to let IAM policies grant the key ("Default key
 * policy", AWS KMS Developer Guide), so every use is granted on a role, in one place, with its
 * conditions (`kms:ViaService`, the S3 encryption context). Services that call KMS on their own
 * behalf, not a caller's, need a statement of their own: CloudWatch Logs does (`logs`).
 */
export class DataKeys extends Construct {
  /** Photo objects. */
  public readonly photos: kms.IKey;
  /** Every log group the app creates. */
  public readonly logs: kms.IKey;
  /** The database admin secret, where the Region has one. */
  public readonly secrets?: kms.IKey;
  /** The storage of a secondary Aurora cluster, where the Region has one. */
  public readonly database?: kms.IKey;

  constructor(scope: Construct, id: string, props: DataKeysProps) {
    super(scope, id);
    const pendingWindowDays = props.pendingWindowDays ?? 30;
    if (!Number.isInteger(pendingWindowDays) || pendingWindowDays < 7 || pendingWindowDays > 30) {
      throw new Error(
        `DataKeys: pendingWindowDays must be a whole number of days, 7-30 (got ${pendingWindowDays})`,
      );
    }
    const classes = props.classes ?? DATA_CLASSES;
    if (!classes.includes('photos') || !classes.includes('logs')) {
      throw new Error('DataKeys: classes must include photos and logs');
    }
    const key = (dataClass: DataClass): kms.Key =>
      new kms.Key(this, `${dataClass[0].toUpperCase()}${dataClass.slice(1)}Key`, {
        alias: DataKeys.aliasName(props.stage, dataClass),
        description: `photoapp ${props.stage}: ${DESCRIPTIONS[dataClass]}`,
        enableKeyRotation: true,
        rotationPeriod: Duration.days(365),
        pendingWindow: Duration.days(pendingWindowDays),
        removalPolicy: props.removalPolicy,
      });
    this.photos = key('photos');
    if (classes.includes('secrets')) this.secrets = key('secrets');
    if (classes.includes('database')) this.database = key('database');

    const logsKey = key('logs');
    const stack = Stack.of(this);
    // CloudWatch Logs uses the key itself, as its regional service principal, and only for log
    // groups whose ARN is in the encryption context: the statement of "Encrypt log data in
    // CloudWatch Logs using AWS KMS", step 2 (CloudWatch Logs User Guide). Without it, creating a
    // log group with this key fails; CDK's LogGroup does not add it.
    logsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    this.logs = logsKey;
  }

  /**
   * The keys as `scope`'s stack should use them: the keys themselves in this stack, elsewhere
   * references imported by ARN. A grant on an imported key goes into the grantee's IAM policy only;
   * on the key itself CDK also writes principals that are not plain roles (a Secrets Manager
   * `kms:ViaService` grant) into the key policy, and a key policy naming another stack's role would
   * make this stack depend on that one: a cycle.
   */
  referencedFrom(scope: Construct): DataKeyRefs {
    const own: DataKeyRefs = {
      photos: this.photos,
      logs: this.logs,
      ...(this.secrets ? { secrets: this.secrets } : {}),
      ...(this.database ? { database: this.database } : {}),
    };
    const consumer = Stack.of(scope);
    if (consumer === Stack.of(this)) return own;
    const imported = (dataClass: DataClass, key: kms.IKey): kms.IKey => {
      const id = `DataKey-${dataClass}`;
      return (
        (consumer.node.tryFindChild(id) as kms.IKey | undefined) ??
        kms.Key.fromKeyArn(consumer, id, key.keyArn)
      );
    };
    return {
      photos: imported('photos', this.photos),
      logs: imported('logs', this.logs),
      ...(this.secrets ? { secrets: imported('secrets', this.secrets) } : {}),
      ...(this.database ? { database: imported('database', this.database) } : {}),
    };
  }

  /** The alias of a class's key in a stage: one per Region, so the second Region's has the same name. */
  static aliasName(stage: string, dataClass: DataClass): string {
    return `alias/photoapp-${stage}-${dataClass}`;
  }
}
