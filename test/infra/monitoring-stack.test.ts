import { Match } from 'aws-cdk-lib/assertions';
import { DEFAULT_STAGE, STAGE_CONFIGS, STAGE_NAMES } from '../../lib/config';
import { deletionPolicyOf, synthStage } from './helpers/app';

describe.each(STAGE_NAMES)('monitoring stack (%s)', (stage) => {
  const { templates } = synthStage(stage);
  const monitoring = templates.monitoring;

  it('encrypts the alarm topic with a rotating customer-managed key', () => {
    monitoring.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmTopicKey'), 'Arn'] },
    });
    monitoring.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('lets CloudWatch alarms use the key', () => {
    monitoring.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it('refuses publishing over plain HTTP', () => {
    monitoring.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('keeps or destroys the key with the stage data', () => {
    const key = Object.values(monitoring.findResources('AWS::KMS::Key'))[0];
    expect(key.DeletionPolicy).toBe(deletionPolicyOf(STAGE_CONFIGS[stage]));
  });

  it('has no e-mail subscription unless the config names an address', () => {
    monitoring.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

it('subscribes the configured alarm e-mail', () => {
  const { templates } = synthStage(DEFAULT_STAGE, {
    nag: false,
    configure: (c) => ({ ...c, monitoring: { ...c.monitoring, alarmEmail: 'oncall@example.com' } }),
  });
  templates.monitoring.hasResourceProperties('AWS::SNS::Subscription', {
    Protocol: 'email',
    Endpoint: 'oncall@example.com',
  });
});
