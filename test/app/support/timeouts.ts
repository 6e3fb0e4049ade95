// Engine round trips (and fault tests that stop and restart an engine) need more than 5 s.
jest.setTimeout(30_000);
