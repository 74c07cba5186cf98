// nginx.mjs: deploy/nginx.conf turned into a configuration for loopback
// tests: the upstream block lists the given instance ports, nginx listens on
// LISTEN, and pid and temporary files go to DIR. Returns the config's path.
import fs from 'node:fs';
import path from 'node:path';

import { REPO } from './harness.mjs';

export function nginxConfig(dir, listen, ports) {
  let conf = fs.readFileSync(path.join(REPO, 'deploy', 'nginx.conf'), 'utf8');
  const upstream = [
    '\tupstream maang {',
    '\t\tleast_conn;',
    ...ports.map((p) => `\t\tserver 127.0.0.1:${p} max_fails=3 fail_timeout=5s;`),
    '\t\tkeepalive 64;',
    '\t}',
  ].join('\n');
  conf = conf.replace(/\t# maang:upstream:begin[\s\S]*# maang:upstream:end/, upstream);
  conf = conf.replace(/listen 80; # maang:listen/, `listen 127.0.0.1:${listen};`);
  conf = conf.replace('pid /tmp/nginx.pid;', `pid ${dir}/nginx.pid;`);
  conf = conf.replace('error_log /dev/stderr warn;', `error_log ${dir}/error.log warn;`);
  conf = conf.replace('/tmp/nginx-body', `${dir}/body`).replace('/tmp/nginx-proxy', `${dir}/proxy`);
  fs.chmodSync(dir, 0o777); // nginx's workers run as an unprivileged user
  const file = path.join(dir, 'nginx.conf');
  fs.writeFileSync(file, conf);
  return file;
}
