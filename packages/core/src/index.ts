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
  answerToResponse,
  type FetchHandler,
  heldRunOf,
  keepFetchResponse,
  replayWithFetch,
} from './pending/replay-with-fetch.js';
export {
  isParameterDigest,
  type ParameterDigest,
  parameterDigest,
  sameParameters,
} from './r3/compare-parameters.js';
export {
  type McpToolCall,
  type McpToolMatch,
  type McpToolMatcher,
  type McpToolRequirementsOptions,
  mcpToolRequirements,
  readToolCall,
} from './r3/mcp-tool-requirements.js';
export {
  type OperationMatch,
  type OperationMatcher,
  type OperationRequirementsOptions,
  operationRequirements,
} from './r3/openapi-operations.js';
export {
  MCP_VOCABULARY,
  type McpToolDescription,
  mergeR3Definitions,
  OPENAPI_VOCABULARY,
  type R3AccessMode,
  type R3Definition,
  type R3Display,
  type R3DisplayMap,
  type R3Operation,
  type R3Vocabulary,
  r3DefinitionFromMcpTools,
  r3DefinitionFromOpenApi,
} from './r3/r3-definition.js';
export {
  buildProposal,
  type ComposeR3DocumentResult,
  composeR3Document,
  type Proposal,
  type ProposalInput,
  type R3DocumentBytes,
  type R3OperationList,
} from './r3/r3-document.js';
export { hasR3Grant, type R3Decision, r3Decision } from './r3/r3-grant.js';
export { R3_PATH_PREFIX, r3Uri } from './r3/r3-store.js';
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
  createSessionSealer,
  type SessionPayload,
  type SessionSealer,
  type SessionSealerOptions,
} from './session/session-token.js';
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
  R3Options,
  TrustOptions,
} from './verify/aauth-options.js';
export {
  type AAuth,
  createAAuth,
  type RouteRequirement,
  type VerifyResult,
} from './verify/create-aauth.js';
export {
  isOperationSelector,
  type OperationSelector,
  type OperationSelectorOptions,
  type SelectedOperation,
  selectMcpTools,
  selectOpenApiOperations,
} from './verify/operation-selector.js';
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
