export {
  type AAuthExpress,
  type AAuthExpressOptions,
  aauthExpress,
  keepRawBody,
} from './aauth-express.js';
