// Every error response is `{ code, message }` from the catalogue (src/shared/errors.ts); validation errors name the field.
import type { FastifyError, FastifyInstance } from 'fastify';
import { HearthError } from '../shared/errors.js';
import { describeStorageTrouble, isStorageTrouble } from '../shared/health.js';
import type { Logger } from '../shared/logger.js';
import { mapStack } from '../shared/stack-map.js';

export function registerErrorHandler(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((error: FastifyError | HearthError, request, reply) => {
    const hearth = toHearthError(error);
    if (hearth.code === 'HEARTH_UNAUTHORIZED') {
      // [RFC 9110 11.6.1] a 401 names a scheme; Bearer, because a Basic challenge makes browsers pop up a password
      // dialog over the dashboard.
      reply.header('www-authenticate', 'Bearer realm="hearth"');
    }
    if (hearth.code === 'HEARTH_RATE_LIMITED' && !reply.hasHeader('retry-after')) {
      reply.header('retry-after', /in (\d+) s/.exec(hearth.message)?.[1] ?? '1');
    }
    if (hearth.status === 503) {
      // Expected trouble (the broker out of reach, the disk full): what was refused, in one line, no trace.
      logger.warn(`${request.method} ${request.url.split('?')[0]} refused: ${hearth.message}`);
    } else if (hearth.status >= 500) {
      // Method and path only: bodies and headers may hold passwords and tokens.
      logger.error(`${request.method} ${request.url.split('?')[0]} failed: ${error.stack ? mapStack(error.stack) : error.message}`);
    }
    return reply.status(hearth.status).send(hearth.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new HearthError('HEARTH_NOT_FOUND', { message: `No route ${request.method} ${request.url.split('?')[0]}` });
    reply.status(err.status).send(err.toJSON());
  });
}

function toHearthError(error: FastifyError | HearthError): HearthError {
  if (error instanceof HearthError) return error;
  if (error.validation && error.validation.length > 0) {
    const first = error.validation[0]!;
    const params = first.params as { missingProperty?: string; additionalProperty?: string };
    const base = `${error.validationContext ?? 'body'}${first.instancePath.replace(/\//g, '.')}`;
    const field = params.missingProperty
      ? `${base}.${params.missingProperty}`
      : params.additionalProperty
        ? `${base}.${params.additionalProperty}`
        : base;
    const message = params.missingProperty
      ? `${field} is required`
      : params.additionalProperty
        ? `${field} is not a known field`
        : `${field} ${first.message}`;
    return new HearthError('HEARTH_VALIDATION', { message }, { field });
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) return new HearthError('HEARTH_PAYLOAD_TOO_LARGE');
  // Fastify's own 4xx (malformed JSON, unsupported content type, empty body) keep their status and message.
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    const err = new HearthError('HEARTH_VALIDATION', { message: error.message });
    return Object.assign(err, { status: error.statusCode });
  }
  if (isStorageTrouble(error)) return new HearthError('HEARTH_STORAGE_UNAVAILABLE', { reason: describeStorageTrouble(error) });
  return new HearthError('HEARTH_INTERNAL');
}
