import { defineConfig } from 'vitest/config';

/**
 * Test files that use PostgreSQL run one at a time: pulls wait for the oldest open writing
 * transaction in the whole cluster (the xid watermark, decision 0005), so a file holding
 * transactions open (the concurrency test, the simulation) would delay another file's deliveries.
 */
const POSTGRES_FILES = [
  'packages/server/src/stores/postgres/**/*.test.ts',
  'test/pg-concurrency.test.ts',
  'test/postgres-*.test.ts',
  'test/cli.test.ts',
  'test/sim/**/*.test.ts',
];

/**
 * Tests run on the package sources: every package's exports map has this condition first. The
 * rest are Vite's defaults (`defaultServerConditions` / `defaultClientConditions`), which a
 * `conditions` list replaces rather than extends.
 */
const SOURCE = '@syncline/source';
const defaultServerConditions = ['module', 'node', 'development|production'];
const defaultClientConditions = ['module', 'browser', 'development|production'];

export default defineConfig({
  resolve: { conditions: [SOURCE, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE, ...defaultServerConditions] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // op-sqlite's Node build imports `./database` without an extension, which Node's own ESM
    // loader refuses; inlined, Vite resolves it (test/native/, decision 0016).
    server: { deps: { inline: ['@op-engineering/op-sqlite'] } },
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: [
            'packages/*/src/**/*.test.ts',
            'packages/*/src/**/*.test.tsx',
            'packages/*/test/**/*.test.ts',
            'test/**/*.test.ts',
            'test/**/*.test.tsx',
          ],
          exclude: ['**/node_modules/**', ...POSTGRES_FILES],
        },
      },
      {
        extends: true,
        test: { name: 'postgres', include: POSTGRES_FILES, fileParallelism: false },
      },
    ],
  },
});
