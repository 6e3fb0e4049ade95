import type { RemovalPolicy } from 'aws-cdk-lib';
import { Duration, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { SharedValue } from './shared-value';

export interface UserDirectoryProps {
  /** Refuse to delete the user pool while set (prod). */
  readonly deletionProtection: boolean;
  /** DESTROY (dev) or RETAIN (prod). */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The Cognito user pool that signs users in, and the public app client whose
 * tokens the API's JWT authorizer accepts. Users sign up with their e-mail
 * address; passwords follow a strong policy; TOTP MFA is available.
 */
export class UserDirectory extends Construct {
  /** The user pool. */
  public readonly userPool: cognito.IUserPool;
  /** The app client the API trusts (audience of the tokens). */
  public readonly appClient: cognito.IUserPoolClient;
  /** Issuer URL of the pool's tokens (`https://cognito-idp.<region>.amazonaws.com/<pool id>`), for JWT authorizers in other stacks. */
  public readonly issuer: SharedValue;

  constructor(scope: Construct, id: string, props: UserDirectoryProps) {
    super(scope, id);
    const userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });

    this.appClient = userPool.addClient('AppClient', {
      generateSecret: false,
      // Native apps sign in with SRP; no hosted UI or OAuth redirects.
      disableOAuth: true,
      // SRP for apps; admin password auth lets an operator with IAM credentials
      // fetch a token for a test user from the AWS CLI (see the README).
      authFlows: { userSrp: true, adminUserPassword: true },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    this.userPool = userPool;
    this.issuer = new SharedValue(this, 'Issuer', {
      value: `https://${userPool.userPoolProviderUrl}`,
      description: 'Issuer URL of the user pool tokens',
    });

    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'A consumer photo app keeps sign-up open to everyone: TOTP MFA is offered (OPTIONAL) rather than forced; a deployment that needs it sets Mfa.REQUIRED.',
    });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'The Plus feature plan (threat protection) is billed per monthly active user; the reference keeps Essentials and documents Plus as the upgrade for production traffic.',
    });
  }
}
