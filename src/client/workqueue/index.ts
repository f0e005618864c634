/** The work queue's three layers (queue, delaying, rate-limiting) and the rate limiters. */
export { BasicQueue, type Queue } from './queue.js';
export { BasicDelayingQueue, type DelayingQueue } from './delaying-queue.js';
export { BasicRateLimitingQueue, newRateLimitingQueue, type RateLimitingQueue, type RateLimitingQueueOptions } from './rate-limiting-queue.js';
export { ItemExponentialFailureRateLimiter, BucketRateLimiter, MaxOfRateLimiter, defaultControllerRateLimiter, type RateLimiter } from './rate-limiters.js';
