// Preloaded with --require by test/cli/startup.test.ts: on exit, says on stderr whether
// TensorFlow.js was loaded by the command (it is a CommonJS package, so it is in require.cache).
process.on('exit', () => {
  const loaded = Object.keys(require.cache).some((k) => k.includes(`${require('node:path').sep}@tensorflow${require('node:path').sep}`));
  process.stderr.write(`\ntfjs-loaded=${loaded}\n`);
});
