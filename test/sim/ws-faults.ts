/**
 * The loopback proxy's WebSocket side: a connection whose first request is the upgrade of
 * `/sync/ws` is handed here. Per upgrade the seeded plan may refuse it (the connection is cut
 * before the request goes on) or cut the handshake (forwarded, then cut when the server answers,
 * so neither side gets a welcome). Then the server's frames are parsed (RFC 6455, unmasked) and,
 * per frame, a poke may be dropped, sent twice or held a few real milliseconds (later frames pass
 * it), and any frame may instead cut the socket mid-stream. Client frames pass unchanged.
 */
import type { Socket } from 'node:net';

export type WsFault =
  | 'ws-refuse'
  | 'ws-cut-handshake'
  | 'poke-drop'
  | 'poke-duplicate'
  | 'poke-delay'
  | 'ws-cut';

/** The fault for an upgrade (`handshake`) or for one server frame (`poke` or another `frame`). */
export type WsFaultPlan = (at: 'handshake' | 'poke' | 'frame') => WsFault | null;

/** Splits complete frames off the front of `buf`: [frames, rest]. */
function frames(buf: Buffer): [Buffer[], Buffer] {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) break;
    const b1 = buf[at + 1]! & 0x7f;
    const masked = (buf[at + 1]! & 0x80) !== 0;
    let head = 2;
    let len = b1;
    if (b1 === 126) {
      if (buf.length - at < 4) break;
      len = buf.readUInt16BE(at + 2);
      head = 4;
    } else if (b1 === 127) {
      if (buf.length - at < 10) break;
      len = Number(buf.readBigUInt64BE(at + 2));
      head = 10;
    }
    if (masked) head += 4;
    if (buf.length - at < head + len) break;
    out.push(buf.subarray(at, at + head + len));
    at += head + len;
  }
  return [out, buf.subarray(at)];
}

/** A text frame whose JSON is a poke (server frames are small and unmasked). */
function isPoke(frame: Buffer): boolean {
  return (frame[0]! & 0x0f) === 1 && frame.includes('"poke"');
}

/**
 * Wires the server→client half of an upgraded connection through the plan. `first` is the
 * upgrade request's chunk; answers false if the upgrade was refused (the connection is cut).
 */
export function proxyWebSocket(
  down: Socket,
  up: Socket,
  first: Buffer,
  plan: WsFaultPlan,
  count: (what: string) => void,
  kill: () => void,
): boolean {
  const f = plan('handshake');
  if (f) count(`ws:${f}`);
  count('ws:upgrades');
  if (f === 'ws-refuse') {
    kill();
    return false;
  }
  let headers = true;
  let pending: Buffer = Buffer.alloc(0);
  let dead = false;
  down.on('close', () => {
    dead = true;
  });
  const cut = () => {
    dead = true;
    kill();
  };
  const send = (frame: Buffer) => {
    if (!dead) down.write(frame);
  };
  up.on('data', (chunk: Buffer) => {
    if (dead) return;
    pending = Buffer.concat([pending, chunk]);
    if (headers) {
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (f === 'ws-cut-handshake') return cut();
      down.write(pending.subarray(0, end + 4));
      pending = pending.subarray(end + 4);
      headers = false;
    }
    const [got, rest] = frames(pending);
    pending = rest;
    for (const frame of got) {
      const poke = isPoke(frame);
      const g = plan(poke ? 'poke' : 'frame');
      if (g) count(`ws:${g}`);
      if (g === 'ws-cut') return cut();
      if (poke) count('ws:pokes');
      if (g === 'poke-drop') continue;
      if (g === 'poke-delay') {
        const copy = Buffer.from(frame);
        setTimeout(() => send(copy), 5 + (copy.length % 30));
        continue;
      }
      send(frame);
      if (g === 'poke-duplicate') send(frame);
    }
  });
  up.write(first);
  return true;
}
