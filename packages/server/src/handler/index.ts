export { createSyncServer } from './handler.ts';
export { scopeColumnsOf } from './scope-columns.ts';
