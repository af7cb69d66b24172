// Worker-thread shim: load threads run TypeScript through tsx, like the CLI.
import {register} from 'tsx/esm/api';

register();
await import('./load-worker.ts');
