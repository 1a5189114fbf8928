/** Issue 14, done-when 2 on SQLite: the generated cross-tenant matrix (test/helpers/tenant-matrix.ts). */
import { tenantMatrixSuite } from './helpers/tenant-matrix-suite.ts';

tenantMatrixSuite('SQLite');
