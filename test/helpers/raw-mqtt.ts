// A raw MQTT 3.1.1 connection, for what mqtt.js would never do: stop an exchange half-way, write a packet in the
// pieces a test chooses. What comes back is parsed; `next` takes the first packet of a kind, received or to come.
import { connect as netConnect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

export interface RawMqttClient {
  socket: Socket;
  /** Writes one packet, generated from its fields. */
  send(packet: object): void;
  /** The first packet of this kind not taken yet; rejects if the connection closes first. */
  next(cmd: string): Promise<any>;
}

export function rawMqttClient(port: number): Promise<RawMqttClient> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1');
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const received: any[] = [];
    const waiting: Array<{ cmd: string; resolve(p: any): void; reject(e: Error): void }> = [];
    parser.on('packet', (p: any) => {
      const i = waiting.findIndex((w) => w.cmd === p.cmd);
      if (i >= 0) waiting.splice(i, 1)[0]!.resolve(p);
      else received.push(p);
    });
    socket.on('data', (d) => parser.parse(d));
    socket.on('error', reject);
    socket.on('close', () => {
      for (const w of waiting.splice(0)) w.reject(new Error(`connection closed while waiting for ${w.cmd}`));
    });
    socket.on('connect', () =>
      resolve({
        socket,
        send: (p) => socket.write(mqttPacket.generate(p as any)),
        next: (cmd) => {
          const i = received.findIndex((p) => p.cmd === cmd);
          if (i >= 0) return Promise.resolve(received.splice(i, 1)[0]);
          return new Promise((res, rej) => waiting.push({ cmd, resolve: res, reject: rej }));
        },
      }),
    );
  });
}
