export { type DevKey, generateDevKey, importDevKey } from './agent-key.js';
export {
  type AgentTokenRequest,
  createDevAgentProvider,
  type DevAgentProvider,
  type DevAgentProviderOptions,
} from './dev-agent-provider.js';
export {
  type ConsentDecision,
  type ConsentR3,
  type ConsentRequest,
  createDevPersonServer,
  type DevPersonServer,
  type DevPersonServerOptions,
  type PendingGrant,
  type R3Decision,
  type R3Display,
  type R3Document,
  type R3Operation,
} from './dev-person-server.js';
export { describeToken, formatExchange, type Palette, palette } from './format-exchange.js';
export { type SignedHeaders, type SignRequestInput, signRequest } from './sign-request.js';
export {
  type AgentExchange,
  type AgentFetchInit,
  createTestAgent,
  type InteractionRequest,
  type OutgoingRequest,
  type TestAgent,
  type TestAgentOptions,
} from './test-agent.js';
