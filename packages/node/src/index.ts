export {
  type AddressClass,
  type AddressPolicy,
  classifyAddress,
  isAddressAllowed,
} from './address-policy.js';
export { type CapturedResponse, captureResponse } from './capture-response.js';
export {
  coreFromOptions,
  type NodeAdapterSettings,
  nodeAdapterSettings,
} from './core-from-options.js';
export { EgressError, type EgressErrorCode } from './egress-error.js';
export {
  type CaInput,
  createGuardedFetch,
  type FetchLike,
  type GuardedFetchOptions,
  type LookupAddress,
  type LookupAll,
} from './guarded-fetch.js';
export { headerLines } from './header-lines.js';
export {
  answerHandled,
  keepResponse,
  runHeld,
  runOf,
  writeAnswer,
} from './held-run.js';
export { aauthOptionsFromEnv, type EnvOptions, readEnvOptions } from './options-from-env.js';
export { hasBody, peekBody } from './peek-body.js';
export { type HeldRequest, type RedispatchOptions, redispatch } from './redispatch.js';
