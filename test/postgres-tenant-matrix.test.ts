/**
 * Issue 14, done-when 2 on PostgreSQL (TEST_DATABASE_URL; a fresh schema, dropped afterwards):
 * the generated cross-tenant matrix (test/helpers/tenant-matrix.ts).
 */
import { tenantMatrixSuite } from './helpers/tenant-matrix-suite.ts';

tenantMatrixSuite('PostgreSQL');
