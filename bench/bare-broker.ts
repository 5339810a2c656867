// A bare aedes broker (memory persistence, no auth, no registry, no rules): the baseline the hub is compared with.
// One change from a stock aedes, the one the hub's in-process bus makes too: mqemitter moves to its next queued
// message from inside the last listener's callback, so under a flood with no listener answering asynchronously it
// recurses once per queued message and overflows the stack (a stock aedes crashes at max rate). One listener that
// answers on the next turn unwinds it.
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';

const broker = await Aedes.createBroker();
(broker as unknown as { subscribe(topic: string, fn: (packet: unknown, cb: () => void) => void, done: () => void): void }).subscribe(
  '#',
  (_packet, cb) => setImmediate(cb),
  () => undefined,
);
const server = createServer(broker.handle);
server.listen(0, '127.0.0.1', () => console.log(`READY ${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => process.exit(0));
