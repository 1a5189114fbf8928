// The same schema as TypeScript: without tsx installed, `syncline serve` must say what to install.
import { defineSchema, t } from '@syncline/core';

export const schema = defineSchema({ lists: { columns: { name: t.text(), ownerId: t.text() } } });
