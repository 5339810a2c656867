// A bridge's state as the API, /healthz and the dashboard's Settings show it.
import { Type } from '@sinclair/typebox';

const ByDirection = (description: string) => Type.Object({ out: Type.Integer(), in: Type.Integer() }, { description });

export const BridgeStatusSchema = Type.Object(
  {
    name: Type.String(),
    url: Type.String({ description: 'The remote broker, without credentials' }),
    connected: Type.Boolean(),
    protocolVersion: Type.Optional(
      Type.Union([Type.Literal(4), Type.Literal(5)], { description: 'MQTT version of the remote session: 5, or 4 (3.1.1)' }),
    ),
    error: Type.Optional(Type.String({ description: 'Why it is not connected' })),
    since: Type.String({ format: 'date-time', description: 'Since when it is (dis)connected' }),
    queued: ByDirection('Messages waiting: out for the remote broker, in for the local one'),
    queuedBytes: ByDirection('Bytes waiting, by direction'),
    forwarded: ByDirection('Messages forwarded since start, by direction'),
    dropped: Type.Integer({ description: 'Messages dropped since start' }),
    droppedBy: Type.Object({ queue_full: Type.Integer(), qos0_offline: Type.Integer(), storage: Type.Integer() }),
  },
  { $id: 'BridgeStatus' },
);
