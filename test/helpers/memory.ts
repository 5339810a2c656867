// Heap figures after a full garbage collection, so that a leak test measures what is retained, not what is garbage.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes of heap still reachable after two full collections. */
export function retainedHeap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
