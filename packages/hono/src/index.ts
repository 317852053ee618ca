export {
  type AAuthHono,
  type AAuthHonoOptions,
  type AAuthVariables,
  aauthHono,
  type HonoAdapterOptions,
} from './aauth-hono.js';
