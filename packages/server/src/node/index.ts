export { type ExtraRoute, type Listener, type ListenOptions, listen } from './listen.ts';
export { installSignalHandlers, type SignalHandlerOptions } from './signals.ts';
export { type AttachRealtimeOptions, attachRealtime, type RealtimeAttachment } from './websocket.ts';
