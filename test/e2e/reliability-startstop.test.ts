// The profiler started and stopped 100 times in one process with every kind (test/long does
// 1,000): every start starts, every stop ends with a profile, and memory, threads and open
// files stay flat.
import t from 'tap';
import { startStop } from '../fixtures/reliability/churn-checks.js';

t.test('start and stop 100 times', (t) => startStop(t, 100, 15e6, 250_000));
