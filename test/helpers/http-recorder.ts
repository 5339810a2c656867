// A local HTTP server standing in for ntfy, gotify or a webhook: it records each request and answers as told.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

export type Answer = { status: number; body?: unknown } | 'hang';

export interface Recorder {
  /** http://127.0.0.1:<port> */
  url: string;
  requests: RecordedRequest[];
  /** How the next requests are answered (default: 200 with `{ "id": "m1" }`). */
  answer(fn: (request: RecordedRequest) => Answer): void;
  close(): Promise<void>;
}

export async function startRecorder(): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  let respond: (request: RecordedRequest) => Answer = () => ({ status: 200, body: { id: 'm1' } });
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: kept as text
      }
      const request = { method: req.method!, path: req.url!, headers: req.headers, body };
      requests.push(request);
      const answer = respond(request);
      if (answer === 'hang') return;
      res
        .writeHead(answer.status, { 'content-type': 'application/json' })
        .end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    answer: (fn) => {
      respond = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
