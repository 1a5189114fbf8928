import { SynclineError } from '@syncline/core';
import { reviveError } from '../errors.ts';
import type { BridgePort } from '../ports.ts';
import { isMessage, type MainMessage, type RendererMessage } from '../protocol.ts';

type Call = Extract<RendererMessage, { t: 'call' }>;
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/**
 * The renderer's end of one port: numbered calls with their answers, and every other message
 * from main handed to `onMessage`. Messages sent before the port is there wait for it, in order.
 */
export class Connection {
  private port: BridgePort | null = null;
  private queue: RendererMessage[] = [];
  private nextId = 1;
  private readonly calls = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private stops: Array<() => void> = [];
  closed = false;
  /** Why the connection ended (set once it has). */
  error: SynclineError | null = null;

  constructor(
    port: BridgePort | Promise<BridgePort>,
    private readonly onMessage: (m: MainMessage) => void,
    private readonly onLost: (error: SynclineError) => void,
  ) {
    Promise.resolve(port).then(
      (p) => this.attach(p),
      (e: unknown) => this.lost(e instanceof SynclineError ? e : closedError(String(e))),
    );
  }

  /** A fresh id for a call or a watch. */
  id(): number {
    return this.nextId++;
  }

  send(m: RendererMessage): void {
    if (this.closed) return;
    if (this.port) this.port.send(m);
    else this.queue.push(m);
  }

  call(m: WithoutId<Call>): Promise<unknown> {
    if (this.closed) return Promise.reject(this.error ?? closedError('the renderer client was closed'));
    const id = this.id();
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.send({ ...m, id } as Call);
    });
  }

  /** Says goodbye (main ends this renderer's subscriptions) and closes the port. */
  close(): void {
    if (this.closed) return;
    if (this.port) this.port.send({ t: 'bye' });
    this.lost(closedError('the renderer client was closed'), true);
  }

  private attach(port: BridgePort): void {
    if (this.closed) {
      port.close();
      return;
    }
    this.port = port;
    this.stops = [
      port.onMessage((m) => {
        if (isMessage(m)) this.receive(m as MainMessage);
      }),
      port.onClose(() => this.lost(closedError('the main process closed the connection'))),
    ];
    for (const m of this.queue.splice(0)) port.send(m);
  }

  private receive(m: MainMessage): void {
    if (m.t !== 'result') {
      this.onMessage(m);
      return;
    }
    const call = this.calls.get(m.id);
    if (!call) return;
    this.calls.delete(m.id);
    if (m.ok) call.resolve(m.value);
    else call.reject(reviveError(m.error));
  }

  private lost(error: SynclineError, quiet = false): void {
    if (this.closed) return;
    this.closed = true;
    this.error = error;
    for (const stop of this.stops) stop();
    this.port?.close();
    this.queue = [];
    for (const call of this.calls.values()) call.reject(error);
    this.calls.clear();
    if (!quiet) this.onLost(error);
  }
}

function closedError(why: string): SynclineError {
  return new SynclineError(
    'closed',
    `The Syncline bridge to the main process is closed (${why}); reload the window to reconnect.`,
  );
}
