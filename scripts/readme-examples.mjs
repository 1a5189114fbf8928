// Rewrites each ```ts (or ```tsx) block of README.md whose first line names a file of examples/
// ("// examples/<file>: …") with that file as it is now. test/readme-blocks.test.ts fails until
// this has run after an example changed. Usage: node scripts/readme-examples.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const readme = readFileSync('README.md', 'utf8');
const next = readme.replace(
  /^```(tsx?)\n(\/\/ (examples\/\S+?):[\s\S]*?)^```$/gm,
  (_block, lang, _body, file) => {
    return `\`\`\`${lang}\n${readFileSync(file, 'utf8')}\`\`\``;
  },
);
if (next !== readme) writeFileSync('README.md', next);
console.log(next === readme ? 'README.md is up to date.' : 'README.md updated from examples/.');
