/**
 * Issue 14, done-when 3 on PostgreSQL (TEST_DATABASE_URL; a fresh schema, dropped afterwards):
 * the hostile-request fuzz (test/helpers/fuzz.ts).
 */
import { fuzzSuite } from './helpers/fuzz-suite.ts';

fuzzSuite('PostgreSQL');
