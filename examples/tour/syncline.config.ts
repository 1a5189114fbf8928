// examples/tour/syncline.config.ts: everything `syncline serve --config <module>` needs in one
// module (flags such as --port still win over it).
import { rules, schema } from './rules.ts';

export default {
  schema,
  rules,
  database: process.env.DATABASE_URL ?? 'sqlite:./data/tour.db', // or a store you built yourself
  port: 8787,
  host: '127.0.0.1',
};
