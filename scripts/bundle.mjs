// `npm run build`'s last step: the hub as one file, dist/app/hearth.js (and a few chunks that load only when used:
// the simulator, backup, e-mail, the external-broker client), bundled by esbuild from the compiled dist/src/.
// Why: Node 20's ES module loader spent ~0.4 s of every start resolving, reading and compiling the ~660 files that
// `hearth start` loads (TypeBox alone is 247 of them), and held each file's source, comments included, in memory.
// One file without comments starts in ~0.7 s instead of ~1.15 s and keeps ~3 MB less source (docs/performance.md).
// Identifiers are minified too: V8 holds a script's source and the names of every scope it compiles, and short names
// kept 1.7 MB less in an idle hub (64.0 against 65.7 MB settled, alternating runs). A stack trace then names `e.record`
// at `hearth.js:1:523012`: the hub prints a bug's trace with each position mapped back to the TypeScript through
// dist/app/*.map (src/shared/stack-map.ts), which a release keeps. Not `keepNames`: it wraps every function
// expression in a call that sets its name, closures made per message included (~2 % CPU).
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AEDES_PATCHES } from './aedes-patches.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

// Node built-ins that packages require at their top but use only for what the hub does not do by default (Fastify's
// HTTP/2 and HTTPS servers, ws' client and compression): each such require gets a stand-in that loads the module at
// its first use. http2, https, tls and zlib held 2 MB just after start and 0.8 MB once settled (alternating runs).
// Only CommonJS requires in node_modules: a named import would copy every export at once, and Hearth's own code
// imports node:tls and node:https where it serves TLS (src/broker/listeners.ts).
const LAZY_BUILTINS = /^(node:)?(http2|https|tls|zlib)$/;
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    build.onResolve({ filter: LAZY_BUILTINS }, (args) =>
      args.kind === 'require-call' && args.namespace === 'file' && args.importer.includes('/node_modules/')
        ? { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: `let m; const load = () => (m ??= require('node:${args.path}'));
module.exports = new Proxy({}, {
  get: (_, k) => load()[k],
  has: (_, k) => k in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, k) => { const d = Reflect.getOwnPropertyDescriptor(load(), k); return d && { ...d, configurable: true }; },
});`,
      loader: 'js',
    }));
  },
};
// node:http through require(), never an ES import. An ES import of a built-in makes its ES module facade, which reads
// every export at once, and Node 22's node:http has a `WebSocket` getter that loads undici, whose HTTP parser is
// WebAssembly: in V8's lite mode (the low-memory setting) there is no WebAssembly, and on Node 22.23.5 the hub stopped
// at start with "ReferenceError: WebAssembly is not defined"; with the default flags undici loaded at every start
// (~6 MB). Each ES import of node:http is given a CommonJS module that requires it; esbuild's interop then reads an
// export where the code uses it (test/cli/low-memory.test.ts).
const REQUIRED_BUILTINS = /^(node:)?http$/;
const requiredBuiltins = {
  name: 'required-builtins',
  setup(build) {
    build.onResolve({ filter: REQUIRED_BUILTINS }, (args) =>
      args.kind === 'import-statement' || args.kind === 'dynamic-import'
        ? { path: args.path.replace(/^node:/, ''), namespace: 'required-builtin' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'required-builtin' }, (args) => ({
      contents: `module.exports = require('node:${args.path}');`,
      loader: 'js',
    }));
  },
};
// mqtt-packet's parser calls `bl()` for a plain byte list; bl's default export makes a readable-stream Duplex per
// connection instead, and its BufferList slices a Buffer off for every number it reads (scripts/bl-lite.cjs). Any
// other package importing bl would get that lighter export too: the build stops and names it, so that nobody is
// handed a byte list where a stream was meant.
const blLite = {
  name: 'bl-lite',
  setup(build) {
    build.onResolve({ filter: /^bl$/ }, (args) => {
      if (!/\/node_modules\/mqtt-packet\//.test(args.importer)) {
        return { errors: [{ text: `${args.importer} imports bl: scripts/bl-lite.cjs stands in for it only for mqtt-packet` }] };
      }
      return { path: `${root}scripts/bl-lite.cjs` };
    });
  },
};
// Fastify requires its default schema compilers inside buildSchemaController, for an app that brings none; the hub
// always brings its own (src/api/lazy-compilers.ts), which import() them at the API's first request. Bundled as
// they are, that require() would put Ajv and fast-json-stringify (~270 KB) into what every start loads; here it
// gets a stand-in that says what happened, should an app ever be made without the hub's compilers.
const COMPILERS = /^@fastify\/(ajv-compiler|fast-json-stringify-compiler)$/;
const fastifyCompilers = {
  name: 'fastify-compilers',
  setup(build) {
    build.onResolve({ filter: COMPILERS }, (args) =>
      /\/node_modules\/fastify\/lib\/schema-controller\.js$/.test(args.importer)
        ? { path: args.path, namespace: 'hub-compilers-only' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'hub-compilers-only' }, (args) => ({
      contents: `module.exports = () => { throw new Error('Fastify was made without the hub\\'s schema compilers (${args.path}); pass src/api/lazy-compilers.ts as schemaController.compilersFactory'); };`,
      loader: 'js',
    }));
  },
};
// Fastify keeps a route's response serializers in an object keyed by status code ('200', '404', '503'), and V8
// stores integer keys as elements: a holey array up to the largest code, ~5.3 KB a route where a dictionary takes
// ~1 KB (1,000 such objects in a bare node). The bundle starts that object with dictionary elements: a key past 2^29
// set and deleted makes V8 keep them in a dictionary for good. The build stops if Fastify's code is not as expected.
const STATUS_MAP_FROM = 'context[responseSchema] = Object.keys(context.schema.response)';
const STATUS_MAP_SEED = '}, {})';
const fastifyStatusMaps = {
  name: 'fastify-status-maps',
  setup(build) {
    build.onLoad({ filter: /\/node_modules\/fastify\/lib\/validation\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const from = source.indexOf(STATUS_MAP_FROM);
      const at = from < 0 ? -1 : source.indexOf(STATUS_MAP_SEED, from);
      if (at < 0 || source.indexOf(STATUS_MAP_SEED, at + 1) >= 0) {
        return { errors: [{ text: `${args.path}: the response serializers' reduce() is not where scripts/bundle.mjs expects it` }] };
      }
      const contents =
        `${source.slice(0, at)}}, statusCodeMap())${source.slice(at + STATUS_MAP_SEED.length)}\n` +
        'function statusCodeMap () { const map = {}; map[2 ** 30] = null; delete map[2 ** 30]; return map }\n';
      return { contents, loader: 'js' };
    });
  },
};
// aedes' connect handler builds a stream pipeline per connection to send a queue that is almost always empty
// (scripts/aedes-connect-patch.mjs); its client drops messages routed out of the order they were numbered in, and
// writes each delivery from an immediate of its own (scripts/aedes-client-patch.mjs); both listed in
// scripts/aedes-patches.mjs. The build stops if aedes' code is not as expected.
const aedesPatches = {
  name: 'aedes-patches',
  setup(build) {
    for (const { filter, patch } of AEDES_PATCHES) {
      build.onLoad({ filter }, (args) => {
        try {
          return { contents: patch(readFileSync(args.path, 'utf8'), args.path), loader: 'js' };
        } catch (err) {
          return { errors: [{ text: err.message }] };
        }
      });
    }
  },
};
const outdir = `${root}dist/app`;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { hearth: `${root}dist/src/main.js` },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // A native module: loaded from node_modules at run time.
  external: ['better-sqlite3'],
  // Loggers that do nothing unless DEBUG is set (scripts/debug-off.cjs).
  alias: { debug: `${root}scripts/debug-off.cjs` },
  // The CommonJS packages inside call require(); in an ES module it has to be made.
  banner: { js: "import { createRequire as hearthRequire } from 'node:module'; const require = hearthRequire(import.meta.url);" },
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: true,
  keepNames: false,
  legalComments: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [lazyBuiltins, requiredBuiltins, blLite, fastifyCompilers, fastifyStatusMaps, aedesPatches],
});

// esbuild turns an import() of a CommonJS package into a chunk with only a default export, where Node would give the
// named exports too: such code works from the sources and in tests, and fails only in the bundle. Import the package
// statically in a small module of our own and import() that (as src/shared/prom-client-lib.ts does).
for (const name of readdirSync(outdir).filter((n) => n.endsWith('.js'))) {
  if (/export default require_[\w$]+\(\);\s*(\/\/# sourceMappingURL=\S+\s*)?$/.test(readFileSync(`${outdir}/${name}`, 'utf8'))) {
    console.error(`bundle: ${name} is a CommonJS package loaded by import(); import() a module that imports it instead`);
    process.exit(1);
  }
}
