import * as z from 'zod/mini'; // a namespace import: bundlers tree-shake it, `import { z }` keeps all of zod
import { REQUEST_ERROR_STATUS, type RequestErrorCode } from '../errors.ts';

const codes = Object.keys(REQUEST_ERROR_STATUS) as [RequestErrorCode, ...RequestErrorCode[]];

/** Whole-request error body: `{ error: { code, message, details } }`. */
export const errorResponse = z.object({
  error: z.object({ code: z.enum(codes), message: z.string(), details: z.optional(z.unknown()) }),
});
/** The body of every non-200 answer (see {@link errorResponse}). */
export type ErrorResponse = z.infer<typeof errorResponse>;
