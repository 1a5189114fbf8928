export type { TrustProxy } from '../limits/client-address.ts';
export type { RateSpec } from '../limits/token-bucket.ts';
export type { CompressionOptions } from './compress.ts';
export type { CorsOptions } from './cors.ts';
export type { RateLimitOptions } from './limits.ts';
export { type ExtraRoute, type Listener, type ListenOptions, listen } from './listen.ts';
export { installSignalHandlers, type SignalHandlerOptions } from './signals.ts';
export { type AttachRealtimeOptions, attachRealtime, type RealtimeAttachment } from './websocket.ts';
