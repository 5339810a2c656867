// A TypeBox type provider for Fastify: a route's schema is also its handler's TypeScript types, so no shape is written twice.
import type { Static, TSchema } from '@sinclair/typebox';
import type {
  FastifyInstance,
  FastifyTypeProvider,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  FastifyBaseLogger,
} from 'fastify';

export interface TypeBoxProvider extends FastifyTypeProvider {
  validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}

/** The Fastify instance every route plugin works with: request and reply typed from the route's schema. */
export type Api = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxProvider
>;

export function typed(app: FastifyInstance): Api {
  return app.withTypeProvider<TypeBoxProvider>();
}
