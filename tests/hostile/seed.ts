/**
 * The seed of a file's property tests: `FUZZ_SEED=<n>` replays a run; without it, a fresh one. Printed either way,
 * before any case runs, so that a failure (or a hang) on a busy machine can be replayed as it happened.
 */
export function fuzzSeed(file: string): number {
  const given = process.env.FUZZ_SEED;
  const seed = given ? Number(given) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed))
    throw new Error(`FUZZ_SEED must be an integer, not ${JSON.stringify(given)}`);
  process.stderr.write(`${file}: seed ${seed} (FUZZ_SEED=${seed} replays it)\n`);
  return seed;
}
