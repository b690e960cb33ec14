/**
 * How AWS calls are retried: the SDK's adaptive strategy (exponential backoff with jitter, and a
 * client-side rate limiter that slows down when the service throttles), so a throttled burst
 * completes, with one change: a call whose endpoint cannot be reached at all (connection refused,
 * no such host, connection timeout) is given up after a few attempts instead of all of them. A
 * wrong endpoint or a stopped emulator then fails in seconds with the endpoint named, instead of
 * backing off for most of a minute.
 */
import { AdaptiveRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken, StandardRetryToken } from '@smithy/types';
import { isUnreachable } from './aws-errors.ts';

export interface StrataRetryOptions {
  /** Attempts per call, counting the first. */
  readonly maxAttempts: number;
  /** Attempts per call while the endpoint cannot be reached. */
  readonly unreachableAttempts: number;
}

export class StrataRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'adaptive';
  readonly #adaptive: AdaptiveRetryStrategy;
  readonly #unreachableAttempts: number;

  constructor(options: StrataRetryOptions) {
    this.#adaptive = new AdaptiveRetryStrategy(options.maxAttempts);
    this.#unreachableAttempts = options.unreachableAttempts;
  }

  acquireInitialRetryToken(scope: string): Promise<RetryToken> {
    return this.#adaptive.acquireInitialRetryToken(scope);
  }

  refreshRetryTokenForRetry(token: StandardRetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    if (isUnreachable(errorInfo.error) && token.getRetryCount() + 1 >= this.#unreachableAttempts) {
      return Promise.reject(errorInfo.error);
    }
    return this.#adaptive.refreshRetryTokenForRetry(token, errorInfo);
  }

  recordSuccess(token: StandardRetryToken): void {
    this.#adaptive.recordSuccess(token);
  }
}
