export * from './errors.ts';
export * from './info.ts';
export * from './pull.ts';
export * from './push.ts';
export * from './record.ts';
export * from './version.ts';

import { errorResponse } from './errors.ts';
import { infoResponse } from './info.ts';
import { pullRequest, pullResponse } from './pull.ts';
import { pushRequest, pushResponse } from './push.ts';

/** Every wire schema, by name; hashed by the protocol test to catch unversioned changes. */
export const wireSchemas = {
  pushRequest,
  pushResponse,
  pullRequest,
  pullResponse,
  infoResponse,
  errorResponse,
};
