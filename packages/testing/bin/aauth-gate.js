#!/usr/bin/env node
// The `aauth-gate` command: runs the built CLI (dist/cli.js, made by `pnpm build`).
import '../dist/cli.js';
