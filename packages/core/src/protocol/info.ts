import { z } from 'zod';

/** `GET /sync/info`: the protocol range and the limits clients size their batches by. */
export const infoResponse = z.object({
  protocol: z.object({ min: z.number().int(), max: z.number().int() }),
  limits: z.object({
    maxBodyBytes: z.number().int().positive(),
    maxMutationBytes: z.number().int().positive(),
    maxMutationsPerPush: z.number().int().positive(),
    maxRowsPerPage: z.number().int().positive(),
  }),
  schemaHash: z.string(),
});
export type InfoResponse = z.infer<typeof infoResponse>;
