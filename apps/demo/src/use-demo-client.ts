import { useSynclineClient } from '@syncline/react';
import type { DemoClient } from './client.ts';

/** The demo's client from the provider, typed with the demo schema. */
export function useDemoClient(): DemoClient {
  return useSynclineClient<DemoClient>();
}
