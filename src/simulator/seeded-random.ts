// A small deterministic random source (a linear congruential generator): a simulation given a seed repeats exactly.
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
}
