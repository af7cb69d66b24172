// React's development build records profiling data on every render that is never released (about
// 50 KB per frame of this UI), and a run can last hours. Choose the production build unless the caller
// set NODE_ENV. This must run before `react` is first loaded, so index.tsx imports it first; the CLI
// entry point setting NODE_ENV itself is safer still.
if (process.env.NODE_ENV === undefined) process.env.NODE_ENV = 'production';
