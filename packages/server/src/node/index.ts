export { type ExtraRoute, type Listener, type ListenOptions, listen } from './listen.ts';
export { installSignalHandlers, type SignalHandlerOptions } from './signals.ts';
