// One side of the ping-pong. flags[0] holds whose turn it is (0 or 1);
// flags[1] counts workers that are ready. Role 0 times the round trips.
onmessage = ({ data: { flags, role, mode, trips } }) => {
  const other = 1 - role;
  Atomics.add(flags, 1, 1);
  while (Atomics.load(flags, 1) < 2) {} // both started: neither waits for a worker to boot
  const waitTurn = mode === 'spin'
    ? () => { while (Atomics.load(flags, 0) !== role) {} }
    : () => { while (Atomics.load(flags, 0) !== role) Atomics.wait(flags, 0, other); };
  const pass = () => {
    Atomics.store(flags, 0, other);
    if (mode !== 'spin') Atomics.notify(flags, 0);
  };
  const run = (n) => {
    for (let i = 0; i < n; i++) {
      waitTurn();
      pass();
    }
  };
  // Warm-up (the JIT), then the timed trips; role 1 answers every pass.
  const warm = Math.min(2000, trips);
  if (role === 1) {
    run(warm + trips);
    postMessage(null);
    return;
  }
  run(warm);
  waitTurn();
  const t0 = performance.now();
  for (let i = 0; i < trips; i++) {
    pass();
    waitTurn();
  }
  const us = ((performance.now() - t0) * 1e3) / trips;
  pass();
  postMessage({ mode, trips, round_trip_us: us });
};
