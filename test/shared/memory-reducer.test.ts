// Where V8's memory reducer needs a context made at start (src/shared/memory-reducer.ts): V8 13 and later (Node 24),
// not the V8s of Node 20 and 22. What the context changes there (a Node 24 hub back at 95 MB after a burst rather
// than 217) is measured in docs/performance.md; this checks what the hub does on each version, and CI runs it on
// Node 20 and, through `npm run test:newer-node`, on Node 22 and 24.
import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { armMemoryReducer } from '../../src/shared/memory-reducer.js';

const contexts = () => getHeapStatistics().number_of_native_contexts;

describe('armMemoryReducer', () => {
  it("makes one vm context on V8 13 and later (Node 24's 13.6)", () => {
    for (const version of ['13.6.233.17-node.63', '14.1.146.11']) {
      const before = contexts();
      expect(armMemoryReducer(version)).toBe(true);
      expect(contexts()).toBe(before + 1);
    }
  });

  it("makes none on Node 20's and Node 22's V8, nor on the Node running the tests when it is older", () => {
    for (const version of ['11.3.244.8-node.38', '12.4.254.21-node.57']) {
      const before = contexts();
      expect(armMemoryReducer(version)).toBe(false);
      expect(contexts()).toBe(before);
    }
    const before = contexts();
    expect(armMemoryReducer()).toBe(Number.parseInt(process.versions.v8, 10) >= 13);
    expect(contexts() - before).toBe(Number.parseInt(process.versions.v8, 10) >= 13 ? 1 : 0);
  });
});
