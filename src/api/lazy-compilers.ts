// Fastify's own compilers (Ajv for validation, fast-json-stringify for responses), made lazy: a route's validator
// and serializer are compiled when it is first called, not at start-up. Compiling all of them for some 80 routes
// took about a fifth of the hub's start-up CPU (a --cpu-prof of `hearth start` with 100 rules, 2026-12-02) and kept
// code in memory for routes a home may never call. What each compiles, and so what it accepts and sends, is unchanged.
import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type Validate = ((data: unknown) => unknown) & { errors?: unknown };
type Compilers = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

export const lazyCompilers: Compilers = {
  buildValidator(externalSchemas, options) {
    // The Ajv instance too is made at the first validation: making it took ~20 ms of every start.
    let build: ((route: unknown) => Validate) | undefined;
    return ((route: unknown) => {
      let compiled: Validate | undefined;
      // Fastify reads a failed validation's errors from the function it called.
      const validate: Validate = (data) => {
        build ??= AjvCompiler()(externalSchemas as never, options as never) as unknown as (route: unknown) => Validate;
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
        build ??= SerializerSelector()(externalSchemas as never, options as never) as unknown as (
          route: unknown,
        ) => (doc: unknown) => string;
        compiled ??= build(route);
        return compiled(doc);
      };
    }) as never;
  },
};
