export {
  createRedisStores,
  type RedisFailurePolicy,
  type RedisReplayStore,
  type RedisRevocationStore,
  type RedisStores,
  type RedisStoresClient,
  type RedisStoresOptions,
} from './create-redis-stores.js';
export { RedisStoreError, type RedisStoreErrorCode } from './redis-store-error.js';
