import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument, serializeOpenApiDocument } from './document.ts';

// `npm run openapi`: the repository's copy is what the tests compare a fresh build with.
const target = new URL('../../../docs/openapi.json', import.meta.url);
writeFileSync(target, serializeOpenApiDocument(buildOpenApiDocument()));
process.stdout.write(`wrote ${fileURLToPath(target)}\n`);
