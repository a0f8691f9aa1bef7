// A Node cluster of WORKERS workers, each running one of the benchmark's
// Node servers (node_echo.js, node_http_hello.js) unchanged.
//   NODE_CLUSTER_SCHED_POLICY=rr|none node node_cluster.js WORKERS APP.js
// The primary prints the port once every worker listens (the servers call
// listen(0), which in a cluster is one port shared through the primary).
// The workers' own output is piped to the primary and dropped (silent).
'use strict';
const cluster = require('cluster');
const path = require('path');

const [workers, app] = process.argv.slice(2);

if (cluster.isPrimary) {
  cluster.setupPrimary({ silent: true });
  let listening = 0;
  cluster.on('listening', (worker, address) => {
    if (++listening === Number(workers)) console.log(address.port);
  });
  // A worker that dies ends the run: the figures would be for fewer workers.
  cluster.on('exit', (worker, code, signal) => {
    console.error(`worker ${worker.id} exited (${signal || code})`);
    process.exit(1);
  });
  for (let i = 0; i < Number(workers); i++) cluster.fork().process.stdout.resume();
} else {
  process.argv.splice(2, 2);
  require(path.resolve(__dirname, app));
}
