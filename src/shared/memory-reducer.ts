// V8's memory reducer gives an idle process's garbage back: a few seconds after the allocation rate drops (after the
// start, after a burst of messages) it runs full collections that shrink the heap. V8 13 starts it for the first
// time only when the old generation has grown 1 MB past its size at the first native context made by V8's
// bootstrapper (`Heap::NotifyBootstrapComplete`, `Heap::NotifyOldGenerationExpansion`, and only before the first
// full collection); later collections keep it going. On Node 24 (V8 13.6) the hub's reducer never started: an idle
// hub kept its start's garbage (82-87 MB, no full collection in 2 minutes), and 90 s after 10 s of QoS 1 at max rate
// it still held 217 MB, its old space full of the load's garbage. A context made with node:vm at start is made by
// that bootstrapper: with one, the same hub settled at 69-75 MB and held 89-95 MB 90 s after the load, as on
// Node 22 (V8 12.4, 83 MB), which needs no such help (docs/performance.md, "The hub on newer Node"). On Node 20 the
// context only cost ~0.7 MB in the first seconds, so older V8s are left as they are.
import { createContext } from 'node:vm';

/** The first V8 major version whose reducer needs the context (Node 24's 13.6; Node 22's 12.4 does not). */
const FIRST_V8 = 13;

/**
 * Makes one throwaway `vm` context where V8's memory reducer would otherwise never start (V8 13 and later), so that
 * what a start or a burst leaves behind is given back. To be called early in a long-running process, before its
 * first full collection. Returns whether it made one.
 */
export function armMemoryReducer(v8Version: string = process.versions.v8): boolean {
  if (Number.parseInt(v8Version, 10) < FIRST_V8) return false;
  createContext();
  return true;
}
