// Every error response is `{ code, message }` from the catalogue; validation errors name the field.
import type { FastifyError, FastifyInstance } from 'fastify';
import { HearthError } from '../shared/errors.js';

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HearthError, request, reply) => {
    if (error instanceof HearthError) {
      // [RFC 9110 11.6.1] a 401 names a scheme; Bearer, because a Basic challenge makes browsers pop up a password dialog over the dashboard.
      if (error.code === 'HEARTH_UNAUTHORIZED') reply.header('www-authenticate', 'Bearer realm="hearth"');
      return reply.status(error.status).send(error.toJSON());
    }
    const fe = error as FastifyError;
    if (fe.validation) {
      const first = fe.validation[0]!;
      const missing = (first.params as { missingProperty?: string }).missingProperty;
      const extra = (first.params as { additionalProperty?: string }).additionalProperty;
      const base = `${fe.validationContext ?? 'body'}${first.instancePath.replace(/\//g, '.')}`;
      const field = missing ? `${base}.${missing}` : extra ? `${base}.${extra}` : base;
      const message = missing ? `${field} is required` : extra ? `${field} is not a known field` : `${field} ${first.message}`;
      return reply.status(400).send({ code: 'HEARTH_VALIDATION', message, field });
    }
    if (fe.statusCode === 413 || fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send({ code: 'HEARTH_PAYLOAD_TOO_LARGE', message: 'Request body is too large' });
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send({ code: 'HEARTH_VALIDATION', message: fe.message });
    }
    request.log.error(error);
    return reply.status(500).send({ code: 'HEARTH_INTERNAL', message: 'Internal error' });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ code: 'HEARTH_NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}` });
  });
}
