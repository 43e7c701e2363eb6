import fs from 'node:fs';
import path from 'node:path';
import { SERVER_ROOT } from './paths';

const pkg = JSON.parse(fs.readFileSync(path.join(SERVER_ROOT, 'package.json'), 'utf8')) as { version: string };
export const WEFT_VERSION: string = pkg.version;
