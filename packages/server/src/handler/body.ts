/**
 * Reading a request body: a byte cap enforced while streaming (413 before parsing), JSON parsing
 * (400), the protocol version (426) and the zod schema (400 with issues).
 */
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '@syncline/core';
import { en } from 'zod/locales';
import type * as z from 'zod/mini';
import { requestError } from './errors.ts';

/**
 * The wire schemas are zod/mini (small in the browser), which loads no locale: every issue message
 * would be "Invalid input". The issues go to clients in 400 bodies, so parsing here uses zod's
 * English messages (what classic zod gave), per parse rather than via the global `z.config()`: the
 * server's answers don't depend on what else configured zod, and the browser bundle never loads it.
 */
const englishIssues = en().localeError;

/** Reads at most `maxBytes` of the body; more is a 413 without reading the rest. */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const tooLarge = () =>
    requestError(
      'payload_too_large',
      `The request body is larger than ${maxBytes} bytes. Send fewer mutations per request.`,
      { maxBodyBytes: maxBytes },
    );
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw requestError('bad_request', 'The request body is not valid UTF-8 text.');
  }
}

/** Parses JSON, checks the protocol version first (a newer protocol may have another shape), then the schema. */
export function parseMessage<S extends z.ZodMiniType>(text: string, schema: S): z.infer<S> {
  return checkMessage(parseJson(text), schema);
}

/** The body as JSON (400 when it is not JSON). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw requestError('bad_request', 'The request body is not valid JSON.');
  }
}

/** Checks a parsed body: the protocol version first (426), then the schema (400 with issues). */
export function checkMessage<S extends z.ZodMiniType>(body: unknown, schema: S): z.infer<S> {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const protocol = (body as { protocol?: unknown }).protocol;
    if (typeof protocol === 'number' && (protocol < MIN_PROTOCOL_VERSION || protocol > PROTOCOL_VERSION)) {
      throw requestError(
        'protocol_unsupported',
        `This server speaks sync protocol ${MIN_PROTOCOL_VERSION}–${PROTOCOL_VERSION}, not ${protocol}. Update the app or the server.`,
        { min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION },
      );
    }
  }
  const parsed = schema.safeParse(body, { error: englishIssues });
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 20)
      .map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw requestError('bad_request', 'The request body does not have the expected shape.', { issues });
  }
  return parsed.data;
}
