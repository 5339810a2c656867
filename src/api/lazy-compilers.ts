// Fastify's own compilers (Ajv for validation, fast-json-stringify for responses), made lazy: a route's validator
// and serializer are compiled when it is first called, not at start-up. Compiling all of them for some 80 routes
// took about a fifth of the hub's start-up CPU (a --cpu-prof of `hearth start` with 100 rules, 2026-12-02) and kept
// code in memory for routes a home may never call. What each compiles, and so what it accepts and sends, is unchanged.
// The compilers' libraries themselves load at the API's first request (`loadCompilers`, awaited by an onRequest hook
// in src/api/app.ts): evaluated at start, Ajv and the rest were ~1,000 functions and ~270 KB of source in the memory
// of a hub whose API nobody had called yet (docs/performance.md).
import type { FastifyServerOptions } from 'fastify';

type Validate = ((data: unknown) => unknown) & { errors?: unknown };
type Compilers = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type Library = typeof import('./compilers-lib.js');

let library: Library | undefined;
let loading: Promise<void> | undefined;

/** Whether the compilers' libraries are loaded (the hook's question at every request). */
export function compilersLoaded(): boolean {
  return library !== undefined;
}

/** Loads the compilers' libraries, once. */
export function loadCompilers(): Promise<void> {
  loading ??= import('./compilers-lib.js').then(
    (lib) => {
      library = lib;
    },
    (err: unknown) => {
      // A chunk that failed to load (a release missing a file) is tried again by the next request.
      loading = undefined;
      throw err;
    },
  );
  return loading;
}

function loaded(): Library {
  if (!library) throw new Error("a schema was compiled before loadCompilers() finished: the API's onRequest hook did not run first");
  return library;
}

export const lazyCompilers: Compilers = {
  buildValidator(externalSchemas, options) {
    // The Ajv instance too is made at the first validation: making it took ~20 ms of every start.
    let build: ((route: unknown) => Validate) | undefined;
    return ((route: unknown) => {
      let compiled: Validate | undefined;
      // Fastify reads a failed validation's errors from the function it called.
      const validate: Validate = (data) => {
        build ??= loaded().AjvCompiler()(externalSchemas as never, options as never) as unknown as (route: unknown) => Validate;
        compiled ??= build(route);
        const result = compiled(data);
        validate.errors = compiled.errors;
        return result;
      };
      return validate;
    }) as never;
  },
  buildSerializer(externalSchemas, options) {
    let build: ((route: unknown) => (doc: unknown) => string) | undefined;
    return ((route: unknown) => {
      let compiled: ((doc: unknown) => string) | undefined;
      return (doc: unknown) => {
        build ??= loaded().SerializerSelector()(externalSchemas as never, options as never) as unknown as (
          route: unknown,
        ) => (doc: unknown) => string;
        compiled ??= build(route);
        return compiled(doc);
      };
    }) as never;
  },
};
