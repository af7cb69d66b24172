// node:cluster worker entry for the mock server: forked processes start from plain JS, so register tsx
// here and then load the TypeScript entry.
import {register} from 'tsx/esm/api';

register();
await import('./cluster-entry.ts');
