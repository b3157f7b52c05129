// A tiny static file server for dist/ (used by `make start` and the e2e
// tests). Not part of the site: dist/ holds only static files.
//
//   node www/serve.mjs [dir=dist] [port=8080] [host=127.0.0.1] [--no-isolation]
//
// As a module: `const s = await serve({ dir, port: 0 }); s.url; s.requests; await s.close();`
//
// Every response carries the headers that make the page cross-origin
// isolated (ISOLATION_HEADERS), which the threaded wasm build needs
// (SharedArrayBuffer); a static host must send the same ones (README), or
// the page's service worker adds them (www/isolation.json). `isolate: false` / --no-isolation
// leaves them out, as a host that cannot send headers would.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** The headers of a cross-origin isolated site (every resource is same-origin; www/isolation.json). */
export const { ISOLATION_HEADERS } = JSON.parse(fs.readFileSync(new URL('./isolation.json', import.meta.url), 'utf8'));

/** Serve `dir` on host:port (port 0 = any free port). Resolves when listening. */
export function serve({ dir = 'dist', port = 8080, host = '127.0.0.1', log = false, isolate = true } = {}) {
  const root = path.resolve(dir);
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url });
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch (e) {
      res.writeHead(400).end('bad request');
      return;
    }
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.join(root, path.normalize(rel));
    if (!file.startsWith(root + path.sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) {
        if (log) console.error(`404 ${req.url}`);
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      const immutable = /\.[0-9a-f]{8,}\./.test(path.basename(file));
      res.writeHead(200, {
        'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
        'Content-Length': st.size,
        'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        ...(isolate ? ISOLATION_HEADERS : {}),
      });
      if (req.method === 'HEAD') res.end();
      else fs.createReadStream(file).pipe(res);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({
        url: `http://${host}:${addr.port}/`,
        port: addr.port,
        requests,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const isolate = !args.includes('--no-isolation');
  const [dir = 'dist', port = '8080', host = '127.0.0.1'] = args.filter((a) => a !== '--no-isolation');
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    console.error(`serve: ${dir}/index.html is missing; run \`make dist\` first`);
    process.exit(1);
  }
  serve({ dir, port: Number(port), host, log: true, isolate }).then(
    (s) => {
      console.log(`lowrank-lab: serving ${dir}/ at ${s.url}${isolate ? '' : ' without the cross-origin isolation headers'}  (Ctrl-C to stop)`);
      const stop = () => s.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (e) => {
      console.error(`serve: cannot listen on ${host}:${port}: ${e.message}`);
      process.exit(1);
    },
  );
}
