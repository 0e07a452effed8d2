#!/usr/bin/env node
// The `ensign` command. Loads only the entry point; each command imports what it needs.
import { main } from '../dist/main.js';

process.exitCode = await main();
