// Fails when src/api/schema.d.ts differs from what `npm run generate`
// would write from ../openapi.yaml today.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const committedPath = join(webDir, 'src/api/schema.d.ts');
const specPath = join(webDir, '../openapi.yaml');
const scratchDir = mkdtempSync(join(tmpdir(), 'openapi-check-'));
const freshPath = join(scratchDir, 'schema.d.ts');

try {
  execFileSync(join(webDir, 'node_modules/.bin/openapi-typescript'), [specPath, '--output', freshPath], {
    cwd: webDir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  const committed = readFileSync(committedPath, 'utf8');
  const fresh = readFileSync(freshPath, 'utf8');
  if (committed !== fresh) {
    console.error('src/api/schema.d.ts is stale against ../openapi.yaml: run `npm run generate` and commit the result.');
    process.exit(1);
  }
  console.log('src/api/schema.d.ts matches ../openapi.yaml.');
} finally {
  rmSync(scratchDir, { recursive: true, force: true });
}
