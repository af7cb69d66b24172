#!/usr/bin/env node
// Entry point: loads the TypeScript sources through tsx (a dependency), so `npx qpscope` works
// straight after `npm install`, with no build step.
import {register} from 'tsx/esm/api';

// React's development build leaks ~50 KB of heap per frame of the terminal UI: run the production build.
process.env.NODE_ENV ??= 'production';
register();
await import('../source/cli.tsx');
