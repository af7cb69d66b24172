#!/usr/bin/env node
// Entry point: loads the TypeScript sources through tsx (a dependency), so `npx qpscope` works
// straight after `npm install`, with no build step.
import {register} from 'tsx/esm/api';

register();
await import('../source/cli.tsx');
