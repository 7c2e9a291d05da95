// The profiler started and stopped 1,000 times in one process with every kind: every start
// starts, every stop ends with a profile, and memory, threads and open files stay flat.
import t from 'tap';
import { startStop } from '../fixtures/reliability/churn-checks.js';

t.test('start and stop 1,000 times', (t) => startStop(t, 1000, 30e6, 1_700_000));
