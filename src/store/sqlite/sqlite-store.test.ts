import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runStoreSuite } from '../store.case.js';
import { SqliteStore } from './sqlite-store.js';

let dir = '';
runStoreSuite(
  'sqlite',
  async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stele-sqlite-'));
    return new SqliteStore(dir);
  },
  async () => fs.rmSync(dir, { recursive: true, force: true }),
);
