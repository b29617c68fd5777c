// Loaded with `node --import` by the benchmarks: prints the process's peak RSS at exit.
process.on('exit', () => {
  const mib = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`\nPEAK_RSS_MIB=${mib.toFixed(1)}\n`);
});
