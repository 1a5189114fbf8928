/**
 * `@syncline/client/node`: what a client running in Node adds to `@syncline/client` (kept apart so
 * the main entry stays free of Node modules).
 */
export { type NodeTransportOptions, nodeTransport } from './node-transport.ts';
