export { type AAuthKoa, type AAuthKoaOptions, type AAuthState, aauthKoa } from './aauth-koa.js';
