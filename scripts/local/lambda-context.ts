/** The Lambda context object that local invocations (tests, dev server) pass to the handlers. */
import type { Context } from 'aws-lambda';
import { LOCAL_REGION } from './engines';

export interface LocalContextOptions {
  readonly requestId?: string;
  /** The function's timeout: getRemainingTimeInMillis counts down from it. @default 10 s, fixed */
  readonly timeoutMs?: number;
  /** Count down from now; otherwise the remaining time stays at the timeout. @default false */
  readonly countDown?: boolean;
}

export function localLambdaContext(functionName: string, options: LocalContextOptions = {}): Context {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: options.requestId ?? `${functionName}-request`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: functionName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => (options.countDown ? Math.max(0, deadline - Date.now()) : timeoutMs),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
