export type { Answer } from './answers/answer.js';
export {
  buildProblem,
  buildRequirementChallenge,
  buildSignatureFailure,
  type SignatureFailureExtras,
} from './answers/build-answer.js';
export type {
  AAuthErrorCode,
  AnswerErrorCode,
  RequirementLevel,
  SignatureErrorCode,
} from './errors/error-codes.js';
export { computeContentDigest } from './httpsig/content-digest.js';
export { isAgentIdentifier } from './identifiers/is-agent-identifier.js';
export { isDevServerIdentifier, isServerIdentifier } from './identifiers/is-server-identifier.js';
export type { SessionOptions } from './interaction/session-options.js';
export { jwkThumbprint } from './jwk/jwk-thumbprint.js';
export type { FetchLike } from './keys/fetch-like.js';
export type {
  CapturedResponse,
  DeferredRun,
  HeldDispatch,
} from './pending/deferred-run.js';
export { PENDING_PATH_PREFIX } from './pending/hold-invocation.js';
export {
  type OperationMatch,
  type OperationMatcher,
  type OperationRequirementsOptions,
  operationRequirements,
} from './r3/openapi-operations.js';
export {
  createMemoryReplayStore,
  type MemoryReplayStoreOptions,
  type ReplayStore,
} from './replay/replay-store.js';
export type { AAuthRequest, HeaderInput } from './request/aauth-request.js';
export { readStreamUpTo, type StreamPeek } from './request/read-stream-up-to.js';
export { mintResourceToken, type ResourceTokenInput } from './resource/mint-resource-token.js';
export type { ResourceMetadataOptions } from './resource/resource-metadata.js';
export {
  generateResourceKey,
  type LoadResourceKeyOptions,
  loadResourceKey,
  loadResourceKeyPem,
  type ResourceSigningKey,
} from './resource/resource-signing-key.js';
export {
  createMemoryRevocationStore,
  type MemoryRevocationStoreOptions,
  type RevocationStore,
} from './revocation/revocation-store.js';
export {
  createMemoryStateStore,
  type MemoryStateStoreOptions,
  type StateStore,
} from './state/state-store.js';
export type { TokenKind } from './tokens/token-kind.js';
export type { AAuthEvent } from './verify/aauth-event.js';
export type {
  AAuthOptions,
  IssuerTrust,
  PendingOptions,
  TrustOptions,
} from './verify/aauth-options.js';
export { type AAuth, createAAuth, type VerifyResult } from './verify/create-aauth.js';
export type { AAuthPrincipal, SignatureInfo } from './verify/principal.js';
export {
  type IssuerList,
  normalizeRequirement,
  type PolicyDecision,
  type PolicyFunction,
  type Requirement,
  type RequirementInput,
  type RequirementOperation,
  type RouteTrust,
  type RouteTrustInput,
} from './verify/requirement.js';
export {
  createSessionSealer,
  type SessionPayload,
  type SessionSealer,
  type SessionSealerOptions,
} from './session/session-token.js';
