import { z } from 'zod';
import { REQUEST_ERROR_STATUS, type RequestErrorCode } from '../errors.ts';

const codes = Object.keys(REQUEST_ERROR_STATUS) as [RequestErrorCode, ...RequestErrorCode[]];

/** Whole-request error body: `{ error: { code, message, details } }`. */
export const errorResponse = z.object({
  error: z.object({ code: z.enum(codes), message: z.string(), details: z.unknown().optional() }),
});
export type ErrorResponse = z.infer<typeof errorResponse>;
