#!/usr/bin/env node
// The `flotilla` command. After `npm run build` it runs the compiled CLI in dist/; in a checkout
// without a build (or with sources newer than the build) it compiles src/cli on the fly with
// @swc-node/register, so `npx flotilla` works straight after `npm ci`.
'use strict';
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const compiled = join(root, 'dist', 'src', 'cli', 'main.js');
const sources = join(root, 'src', 'cli');

/** newest modification time under a directory, in ms (0 when it does not exist) */
function newest(dir) {
  let latest = 0;
  for (const entry of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function fromSource() {
  if (!existsSync(join(sources, 'main.ts'))) return false;
  if (!existsSync(compiled)) return true;
  return newest(sources) > statSync(compiled).mtimeMs;
}

if (fromSource()) {
  // the project's compiler options, wherever the command is run from
  process.env.SWC_NODE_PROJECT = join(root, 'tsconfig.json');
  try {
    require('@swc-node/register');
  } catch {
    process.stderr.write('error: the CLI is not built and @swc-node/register is missing — run npm ci, or npm run build\n');
    process.exit(1);
  }
  require(join(sources, 'main.ts')).main(process.argv);
} else {
  require(compiled).main(process.argv);
}
