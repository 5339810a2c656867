// Fastify's compilers, in a module of their own for src/api/lazy-compilers.ts to import() at the API's first request:
// esbuild then bundles them (Ajv, fast-uri, ajv-formats, fast-json-stringify) into a chunk of their own, and an
// import() of a CommonJS package itself would yield only a default export in the bundle (scripts/bundle.mjs).
export { AjvCompiler } from '@fastify/ajv-compiler';
export { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
