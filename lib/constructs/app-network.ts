import type { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SharedValue } from './shared-value';

export interface AppNetworkProps {
  /** Retention of the VPC flow logs. */
  readonly flowLogRetentionDays: logs.RetentionDays;
  /** Whether the flow log group is destroyed with the stack. */
  readonly logRemovalPolicy: RemovalPolicy;
  /** Customer-managed key of the flow log group. @default - CloudWatch Logs' own encryption */
  readonly logEncryptionKey?: kms.IKey;
  /** Number of Availability Zones. @default 2 */
  readonly maxAzs?: number;
  /**
   * The Secrets Manager interface endpoint, for the rotation of the database admin secret. A Region
   * without that secret (the second Region of disaster recovery) does without its hourly charge.
   * @default true
   */
  readonly secretsManagerEndpoint?: boolean;
}

/**
 * The VPC: isolated subnets only (no internet gateway, no NAT gateway), so
 * nothing inside can reach the internet or be reached from it. AWS services
 * are reached through VPC endpoints: gateway endpoints for S3 and DynamoDB
 * (free) and an interface endpoint for Secrets Manager (needed by the
 * rotation function of the database admin secret).
 *
 * The security group of the in-VPC functions lives here so that both the data
 * and the API stacks can refer to it without a dependency cycle.
 */
export class AppNetwork extends Construct {
  /** Address range of the VPC. */
  static readonly CIDR = '10.20.0.0/16';
  /** Subnet group name of the Lambda functions' subnets. */
  static readonly APPLICATION_SUBNETS = 'Application';
  /** Subnet group name of Aurora, RDS Proxy and the cache. */
  static readonly DATA_SUBNETS = 'Data';

  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** Subnets for in-VPC Lambda functions. */
  public readonly applicationSubnets: ec2.SubnetSelection;
  /** Subnets for databases, proxies and caches. */
  public readonly dataSubnets: ec2.SubnetSelection;
  /**
   * Security group of in-VPC functions. Egress is HTTPS (which in isolated
   * subnets reaches only VPC endpoints) plus exactly the port each data store
   * opens to it.
   */
  public readonly functionSecurityGroup: ec2.ISecurityGroup;
  /** The Secrets Manager interface endpoint (private DNS on: the standard host name resolves to it), where there is one. */
  public readonly secretsManagerEndpoint?: ec2.IInterfaceVpcEndpoint;
  /** The data subnets' ids joined with commas, for parameters that take one string. */
  public readonly dataSubnetIds: SharedValue;

  constructor(scope: Construct, id: string, props: AppNetworkProps) {
    super(scope, id);
    const maxAzs = props.maxAzs ?? 2;
    if (maxAzs < 2) {
      throw new Error(
        'AppNetwork: maxAzs must be at least 2 (Aurora and ElastiCache need subnets in two AZs)',
      );
    }

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs,
      natGateways: 0,
      ipAddresses: ec2.IpAddresses.cidr(AppNetwork.CIDR),
      subnetConfiguration: [
        { name: AppNetwork.APPLICATION_SUBNETS, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 },
        { name: AppNetwork.DATA_SUBNETS, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      restrictDefaultSecurityGroup: true,
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    this.vpc = vpc;
    this.applicationSubnets = { subnetGroupName: AppNetwork.APPLICATION_SUBNETS };
    this.dataSubnets = { subnetGroupName: AppNetwork.DATA_SUBNETS };
    this.dataSubnetIds = new SharedValue(this, 'DataSubnetIds', {
      value: vpc.selectSubnets(this.dataSubnets).subnetIds.join(','),
      description: 'Ids of the data subnets, comma-separated',
    });

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetentionDays,
      removalPolicy: props.logRemovalPolicy,
      encryptionKey: props.logEncryptionKey,
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    if (props.secretsManagerEndpoint ?? true) {
      this.secretsManagerEndpoint = vpc.addInterfaceEndpoint('SecretsManager', {
        service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        subnets: this.applicationSubnets,
        privateDnsEnabled: true,
        open: false,
      });
      this.secretsManagerEndpoint.connections.allowFrom(
        ec2.Peer.ipv4(AppNetwork.CIDR),
        ec2.Port.tcp(443),
        'HTTPS from inside the VPC',
      );
    }

    const functionSecurityGroup = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc,
      description: 'In-VPC Lambda functions: egress only to the data stores and AWS service endpoints',
      allowAllOutbound: false,
    });
    // Gateway endpoints are reached through region-specific prefix lists that
    // would need a synth-time lookup; with no internet or NAT route in these
    // subnets, HTTPS can only ever reach the VPC endpoints anyway.
    functionSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to AWS service endpoints (the only HTTPS routes in isolated subnets)',
    );
    this.functionSecurityGroup = functionSecurityGroup;
  }
}
