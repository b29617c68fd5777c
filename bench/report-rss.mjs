// Loaded with `node --import` by the benchmarks: prints the process's peak RSS and CPU time at exit.
process.on('exit', () => {
  const ru = process.resourceUsage();
  process.stderr.write(`\nPEAK_RSS_MIB=${(ru.maxRSS / 1024).toFixed(1)} CPU_S=${((ru.userCPUTime + ru.systemCPUTime) / 1e6).toFixed(3)}\n`);
});
