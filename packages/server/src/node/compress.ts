/**
 * Compressed answers (decision 0026): a text or JSON answer of at least `thresholdBytes` is sent
 * brotli- or gzip-encoded when the request's `Accept-Encoding` allows it. A pull page of 1,000
 * rows shrinks 5–20x; the cost is CPU on both ends, which is why the benchmark measures it apart.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { jsonLength, jsonText } from '../handler/errors.ts';

/** The `compression` option of `listen()`. */
export interface CompressionOptions {
  /** Answers smaller than this are sent as they are; default 1024 bytes. */
  thresholdBytes?: number;
}

export type Encoding = 'br' | 'gzip';

/** The `compression` option checked once, at `listen()`: undefined is on, with the defaults. */
export function compressionSetting(
  option: CompressionOptions | false | undefined,
): Required<CompressionOptions> | false {
  if (option === false) return false;
  const thresholdBytes = option?.thresholdBytes ?? 1024;
  if (!Number.isSafeInteger(thresholdBytes) || thresholdBytes < 0)
    throw new TypeError(
      `listen(): compression.thresholdBytes must be a whole number of bytes, 0 or more (got ${String(option?.thresholdBytes)}).`,
    );
  return { thresholdBytes };
}

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/**
 * The encoding to answer with: `br` before `gzip` (smaller at a similar cost), each only when the
 * header lists it (or `*`) with a q-value above 0. `identity` is always acceptable, so null.
 */
export function pickEncoding(acceptEncoding: string | null): Encoding | null {
  if (!acceptEncoding) return null;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam === undefined ? 1 : Number(qParam.slice(2));
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const allowed = (name: Encoding) => (q.get(name) ?? q.get('*') ?? 0) > 0;
  if (allowed('br')) return 'br';
  if (allowed('gzip')) return 'gzip';
  return null;
}

const COMPRESSIBLE = /^(application\/(json|javascript|manifest\+json)|text\/|image\/svg\+xml)/i;

/**
 * The answer to send: `response` itself, or a compressed copy with `content-encoding`,
 * `content-length` and `vary: accept-encoding`. Compression runs on libuv's thread pool (zlib's
 * async API), so a large page does not stall other requests.
 */
export async function compressResponse(
  response: Response,
  request: { method: string; acceptEncoding: string | null },
  options: Required<CompressionOptions>,
): Promise<Response> {
  const type = response.headers.get('content-type') ?? '';
  if (
    response.body === null ||
    request.method === 'HEAD' ||
    response.status < 200 ||
    response.status === 204 ||
    response.status === 304 ||
    response.headers.has('content-encoding') ||
    /\bno-transform\b/i.test(response.headers.get('cache-control') ?? '') ||
    !COMPRESSIBLE.test(type)
  )
    return response;
  const encoding = pickEncoding(request.acceptEncoding);
  const text = jsonText(response);
  if (text !== undefined && (encoding === null || jsonLength(text) < options.thresholdBytes)) {
    // The handler's own JSON answer, sent as it is: the listener writes its text in one call
    // with its length. Whatever is chosen, the answer depends on the header: caches key on it.
    response.headers.append('vary', 'accept-encoding');
    return response;
  }
  const headers = new Headers(response.headers);
  headers.append('vary', 'accept-encoding');
  const init = { status: response.status, statusText: response.statusText, headers };
  // Answers are built in memory: sent whole with their length (no chunked encoding), so a client
  // can show a download's progress.
  const body =
    text === undefined
      ? Buffer.from(await response.arrayBuffer())
      : typeof text === 'string'
        ? Buffer.from(text)
        : Buffer.concat(text);
  if (encoding === null || body.length < options.thresholdBytes) {
    headers.set('content-length', String(body.length));
    return new Response(body, init);
  }
  const packed =
    encoding === 'br'
      ? await brotli(body, {
          params: {
            // Quality 4: most of brotli's gain at about gzip's speed (11, the default, is ~50x slower).
            [constants.BROTLI_PARAM_QUALITY]: 4,
            [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
            [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
          },
        })
      : await gz(body, { level: 1 });
  headers.set('content-encoding', encoding);
  headers.set('content-length', String(packed.length));
  return new Response(packed, init);
}
