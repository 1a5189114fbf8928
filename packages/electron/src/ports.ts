/**
 * The port adapter layer: the bridge's logic speaks to a {@link BridgePort}, and each kind of
 * MessagePort gets a ten-line adapter. The three differ in small ways that matter: a Node
 * `worker_threads` port hands `message` listeners the value itself, Electron's `MessagePortMain`
 * hands them an event (`{ data, ports }`) and needs `start()`, and a DOM `MessagePort` is an
 * EventTarget. Every adapter reports the other end going away as `onClose`, where the port can
 * tell (Node and `MessagePortMain` emit `close`; a DOM port in a renderer is not told, and does
 * not need to be: the main process is the side that cleans up).
 */

/**
 * What the bridge needs of a port: send, receive, learn that it closed, close it. Write an
 * adapter for any other channel (a `utilityProcess` port, a WebSocket in tests) in these terms.
 *
 * @example
 * const port: BridgePort = nodePort(channel.port1);
 * const stop = port.onMessage((m) => received.push(m));
 */
export interface BridgePort {
  send(message: unknown): void;
  /** Listens for messages (only one listener per port is needed); returns stop. */
  onMessage(cb: (message: unknown) => void): () => void;
  /** Listens for the port closing (either end); returns stop. */
  onClose(cb: () => void): () => void;
  close(): void;
}

/** The part of Node's `worker_threads` `MessagePort` used here. */
export interface NodeMessagePortLike {
  postMessage(value: unknown): void;
  on(event: 'message', cb: (value: unknown) => void): unknown;
  on(event: 'close', cb: () => void): unknown;
  off(event: 'message', cb: (value: unknown) => void): unknown;
  off(event: 'close', cb: () => void): unknown;
  close(): void;
}

/** The part of Electron's `MessagePortMain` used here (an EventEmitter; messages arrive as events). */
export interface MessagePortMainLike {
  postMessage(message: unknown): void;
  on(event: 'message', cb: (event: { data: unknown }) => void): unknown;
  on(event: 'close', cb: () => void): unknown;
  off(event: 'message', cb: (event: { data: unknown }) => void): unknown;
  off(event: 'close', cb: () => void): unknown;
  start(): void;
  close(): void;
}

/** The part of a DOM `MessagePort` used here (a renderer's port, or a web worker's). */
export interface DomMessagePortLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', cb: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', cb: () => void): void;
  removeEventListener(type: 'message', cb: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'close', cb: () => void): void;
  start(): void;
  close(): void;
}

/**
 * Adapts a Node `worker_threads` `MessagePort` (tests, or a main process that runs the client
 * in a worker). Node emits `close` on both ends when either closes.
 *
 * @example
 * const { port1, port2 } = new MessageChannel(); // from 'node:worker_threads'
 * host.connect(nodePort(port1));
 * const client = createRendererClient({ schema, port: nodePort(port2) });
 */
export function nodePort(port: NodeMessagePortLike): BridgePort {
  return {
    send: (message) => port.postMessage(message),
    onMessage(cb) {
      port.on('message', cb);
      return () => port.off('message', cb);
    },
    onClose(cb) {
      port.on('close', cb);
      return () => port.off('close', cb);
    },
    close: () => port.close(),
  };
}

/**
 * Adapts Electron's `MessagePortMain` (the main process's end). It emits `close` when the
 * renderer's end is gone: the window closed, reloaded or navigated away.
 *
 * @example
 * const { port1, port2 } = new MessageChannelMain();
 * host.connect(electronPort(port1));
 * webContents.postMessage('syncline:port', null, [port2]);
 */
export function electronPort(port: MessagePortMainLike): BridgePort {
  let started = false;
  return {
    send: (message) => port.postMessage(message),
    onMessage(cb) {
      const listener = (event: { data: unknown }) => cb(event.data);
      port.on('message', listener);
      if (!started) {
        started = true;
        port.start();
      }
      return () => port.off('message', listener);
    },
    onClose(cb) {
      port.on('close', cb);
      return () => port.off('close', cb);
    },
    close: () => port.close(),
  };
}

/**
 * Adapts a DOM `MessagePort` (the renderer's end, as the preload hands it over). Browsers that
 * emit `close` on MessagePorts report it; the others never call `onClose`.
 *
 * @example
 * window.addEventListener('message', (e) => {
 *   if (e.data?.syncline === 'port') client = createRendererClient({ schema, port: domPort(e.ports[0]) });
 * });
 */
export function domPort(port: DomMessagePortLike): BridgePort {
  let started = false;
  return {
    send: (message) => port.postMessage(message),
    onMessage(cb) {
      const listener = (event: { data: unknown }) => cb(event.data);
      port.addEventListener('message', listener);
      if (!started) {
        started = true;
        port.start();
      }
      return () => port.removeEventListener('message', listener);
    },
    onClose(cb) {
      port.addEventListener('close', cb);
      return () => port.removeEventListener('close', cb);
    },
    close: () => port.close(),
  };
}
