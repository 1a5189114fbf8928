export { listen, type ExtraRoute, type Listener, type ListenOptions } from './listen.ts';
export { installSignalHandlers, type SignalHandlerOptions } from './signals.ts';
