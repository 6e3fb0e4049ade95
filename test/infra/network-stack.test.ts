import { Match, type Template } from 'aws-cdk-lib/assertions';
import { STAGE_CONFIGS, STAGE_NAMES } from '../../lib/config';
import { synthStage } from './helpers/app';
import { joined, regionOf } from './helpers/region';

describe.each(STAGE_NAMES)('network stack (%s)', (stage) => {
  let network: Template;
  beforeAll(() => {
    network = synthStage(stage).templates.network;
  });

  it('pins the VPC logical id', () => {
    expect(Object.keys(network.findResources('AWS::EC2::VPC'))).toEqual(['NetworkVpc7FB7348F']);
  });

  it('spans two AZs with isolated subnets only: no internet gateway, no NAT', () => {
    network.resourceCountIs('AWS::EC2::Subnet', 4);
    network.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false });
    network.resourceCountIs('AWS::EC2::InternetGateway', 0);
    network.resourceCountIs('AWS::EC2::NatGateway', 0);
    network.resourceCountIs('AWS::EC2::EIP', 0);
    const routes = network.findResources('AWS::EC2::Route');
    for (const route of Object.values(routes)) {
      expect(route.Properties).not.toHaveProperty('GatewayId');
      expect(route.Properties).not.toHaveProperty('NatGatewayId');
    }
  });

  it('has gateway endpoints for S3 and DynamoDB', () => {
    for (const service of ['s3', 'dynamodb']) {
      network.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`.${service}`])] }),
      });
    }
  });

  it('has a private-DNS interface endpoint for Secrets Manager, open to the VPC only', () => {
    network.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: joined(['com.amazonaws.', regionOf(STAGE_CONFIGS[stage]), '.secretsmanager']),
      PrivateDnsEnabled: true,
    });
    network.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('SecretsManager'),
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.20.0.0/16', FromPort: 443, ToPort: 443 })],
    });
  });

  it('logs all traffic to a log group with the stage retention', () => {
    network.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    network.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: STAGE_CONFIGS[stage].logRetentionDays,
    });
  });

  it('gives in-VPC functions a security group without open egress', () => {
    network.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('In-VPC Lambda functions'),
      SecurityGroupEgress: [
        Match.objectLike({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      ],
    });
  });

  it('restricts the default security group', () => {
    network.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });
});
