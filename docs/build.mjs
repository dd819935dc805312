// Builds the API reference (docs/api/) from the TSDoc comments with TypeDoc. TypeDoc lives in its
// own package here because it needs TypeScript <= 6.0, while the package itself builds with TS 7.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const run = (cmd, args) => execFileSync(cmd, args, { cwd: here, stdio: 'inherit' });
try {
  if (!existsSync(`${here}/node_modules/typedoc`)) run('npm', ['ci', '--no-audit', '--no-fund']);
  // Warnings are errors (typedoc.json): an exported class, method or function without TSDoc fails.
  run('node', ['node_modules/typedoc/bin/typedoc', '--options', 'typedoc.json']);
  console.log(`API reference: ${here}/api/index.html`);
} catch {
  console.error('docs: TypeDoc failed (see above).');
  process.exit(1);
}
