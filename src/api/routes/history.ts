// History of one property: min/max/avg/count per bucket, from raw readings and (for old ranges) hourly rollups.
import type { FastifyInstance } from 'fastify';
import { HearthError } from '../../shared/errors.js';
import { parseTimeArg, TIME_FORMS } from '../../shared/time-arg.js';
import type { ApiContext } from '../context.js';
import { ErrorSchema } from '../schemas/common.js';
import { HistoryQuery, HistorySchema, PropertyParams } from '../schemas/device.js';
import { typed } from '../type-provider.js';

const AUTO_POINTS = 200;
// A chart cannot show more; it also bounds the work one request can ask of the database.
const MAX_BUCKETS = 10_000;

export async function historyRoutes(fastify: FastifyInstance, opts: { ctx: ApiContext }): Promise<void> {
  const app = typed(fastify);
  const { registry, history } = opts.ctx;

  app.get('/api/devices/:id/history/:property', {
    schema: {
      tags: ['devices'],
      summary: 'History of a numeric property: min/max/avg/count per bucket (booleans count as 0/1)',
      description:
        'Raw readings are kept for the retention period, older ones as hourly rollups; a range over old data is answered from the rollups.',
      params: PropertyParams,
      querystring: HistoryQuery,
      response: { 200: HistorySchema, 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema },
    },
    handler: async (request) => {
      const { id, property } = request.params;
      registry.get(id);
      const to = parseTime(request.query.to, Date.now(), 'to');
      const from = parseTime(request.query.from, to - 86_400_000, 'from');
      if (from >= to)
        invalid(
          'from',
          `querystring.from must be before querystring.to, got ${new Date(from).toISOString()} ≥ ${new Date(to).toISOString()}`,
        );
      const bucketSeconds = parseBucket(request.query.bucket ?? 'auto', to - from);
      const points = history.buckets(id, property, from, to, bucketSeconds * 1000);
      if (!points) throw new HearthError('HEARTH_NOT_FOUND', { message: `Device "${id}" has no history for "${property}"` });
      return { deviceId: id, property, from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucketSeconds, points };
    },
  });
}

function invalid(field: string, message: string): never {
  throw new HearthError('HEARTH_VALIDATION', { message }, { field: `querystring.${field}` });
}

function parseTime(value: string | undefined, fallback: number, field: string): number {
  return parseTimeArg(value, fallback) ?? invalid(field, `querystring.${field} must be ${TIME_FORMS}, got ${JSON.stringify(value)}`);
}

/** Seconds per bucket: a positive integer, or "auto" for about 200 points over the range. */
export function parseBucket(value: string, rangeMs: number): number {
  let seconds: number;
  if (value === 'auto') seconds = Math.max(1, Math.ceil(rangeMs / 1000 / AUTO_POINTS));
  else if (/^\d+$/.test(value) && Number(value) > 0) seconds = Number(value);
  else invalid('bucket', `querystring.bucket must be a number of seconds or "auto", got ${JSON.stringify(value)}`);
  if (rangeMs / (seconds * 1000) > MAX_BUCKETS)
    invalid(
      'bucket',
      `querystring.bucket of ${seconds} s makes more than ${MAX_BUCKETS} buckets over this range; use a larger bucket or "auto"`,
    );
  return seconds;
}
