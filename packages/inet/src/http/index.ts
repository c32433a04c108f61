export { httpConnector, RxsockAgent, type HttpConnectOptions, type OnCreate } from './client.js';
export { serveHttp, type ConnectionSource } from './server.js';
