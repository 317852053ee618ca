export type {
  AAuth,
  AAuthPrincipal,
  OperationSelector,
  RequirementInput,
  RouteRequirement,
} from '@aauth-gate/core';
export { AAuthGuard } from './aauth-guard.js';
export { AAuthModule } from './aauth-module.js';
export { AAuthException, AAuthExceptionFilter } from './answer-exception.js';
export { type AAuthSlot, Principal, Public, RequireAAuth } from './decorators.js';
export {
  AAUTH,
  AAUTH_MODULE_OPTIONS,
  type AAuthAdapterOptions,
  type AAuthModuleExtras,
  type AAuthModuleOptions,
} from './options.js';
