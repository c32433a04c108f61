export { httpConnector, RxsockAgent, type HttpConnectOptions } from './client.js';
export { serveHttp, type ConnectionSource } from './server.js';
