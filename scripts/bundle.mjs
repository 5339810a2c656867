// `npm run build`'s last step: the hub as one file, dist/app/hearth.js (and a few chunks that load only when used:
// the simulator, backup, e-mail, the external-broker client), bundled by esbuild from the compiled dist/src/.
// Why: Node 20's ES module loader spent ~0.4 s of every start resolving, reading and compiling the ~660 files that
// `hearth start` loads (TypeBox alone is 247 of them), and held each file's source, comments included, in memory.
// One file without comments starts in ~0.7 s instead of ~1.15 s and keeps ~3 MB less source (README, Performance).
// Identifiers are not minified, so a bug's stack trace still names its functions (esbuild adds a digit to a name only
// where two modules' names meet: `parse2`); dist/app/*.map maps a position back to the TypeScript. Not `keepNames`:
// it wraps every function expression in a call that sets its name, closures made per message included (~2 % CPU).
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
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
  keepNames: false,
  legalComments: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
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
