#!/usr/bin/env node
// node_modules/.bin/steller: the CLI (src/cli/bin.js).
import '../bin.js';
