/** Issue 14, done-when 3 on SQLite: the hostile-request fuzz (test/helpers/fuzz.ts). */
import { fuzzSuite } from './helpers/fuzz-suite.ts';

fuzzSuite('SQLite');
