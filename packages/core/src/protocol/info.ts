import * as z from 'zod/mini'; // a namespace import: bundlers tree-shake it, `import { z }` keeps all of zod

/** `GET /sync/info`: the protocol range and the limits clients size their batches by. */
export const infoResponse = z.object({
  protocol: z.object({ min: z.int(), max: z.int() }),
  limits: z.object({
    maxBodyBytes: z.int().check(z.positive()),
    maxMutationBytes: z.int().check(z.positive()),
    maxMutationsPerPush: z.int().check(z.positive()),
    maxRowsPerPage: z.int().check(z.positive()),
  }),
  schemaHash: z.string(),
});
/** A `GET /sync/info` answer (see {@link infoResponse}). */
export type InfoResponse = z.infer<typeof infoResponse>;

/** The limits a server enforces and announces in `GET /sync/info`; clients size batches by them. */
export type Limits = InfoResponse['limits'];

/** The server's default limits (and what a client assumes until it has asked). */
export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxMutationBytes: 256 * 1024,
  maxMutationsPerPush: 500,
  maxRowsPerPage: 1000,
};
