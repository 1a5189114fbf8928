/**
 * Conversions between node:http messages and Fetch-API requests and responses. Bodies stream
 * both ways: the handler enforces the byte cap as it reads, and sees `content-length` to refuse
 * an oversized body before reading it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { jsonText } from '../handler/errors.ts';

/**
 * Builds a Fetch `Request` for an incoming message. The origin is the listener's own, never the
 * `Host` header, so a caller cannot make the handler believe it lives elsewhere.
 * Returns `null` for a request Fetch cannot represent: a target that is not a path (absolute-form
 * or `*`), or a header value undici refuses although node:http let it through. Such requests are
 * malformed, so the caller answers 400, never 500.
 */
export function toFetchRequest(req: IncomingMessage, origin: string, signal: AbortSignal): Request | null {
  const target = req.url ?? '';
  if (!target.startsWith('/')) return null;
  try {
    return buildRequest(req, `${origin}${target}`, signal);
  } catch {
    return null;
  }
}

function buildRequest(req: IncomingMessage, url: string, signal: AbortSignal): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    // HTTP/2 pseudo-headers (":path") are not valid Fetch header names.
    if (name.startsWith(':')) continue;
    headers.append(name, raw[i + 1]!);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal };
  if (hasBody) {
    init.body = Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>;
    // Required by undici for a streamed request body.
    init.duplex = 'half';
  }
  return new Request(url, init);
}

/** Writes a Fetch `Response` to a node:http response, streaming the body with backpressure. */
export async function writeFetchResponse(
  response: Response,
  res: ServerResponse,
  method: string,
): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  const cookies = response.headers.getSetCookie();
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  const text = method === 'HEAD' ? undefined : jsonText(response);
  if (text !== undefined && !response.bodyUsed) {
    // The text the body stream holds, written at once (Node sets its content-length), or its byte
    // parts one after the other in one corked write (the Response carries their length).
    if (typeof text === 'string') res.end(text);
    else {
      res.cork();
      for (const part of text) res.write(part);
      res.end();
      res.uncork();
    }
    await finished(res);
    return;
  }
  if (response.body === null || method === 'HEAD') {
    await response.body?.cancel();
    res.end();
    return;
  }
  await pipeline(Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>), res);
}

/** A small JSON response. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}
