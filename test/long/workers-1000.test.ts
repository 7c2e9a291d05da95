// 1,000 worker threads started and terminated while the whole profiler runs: the program ends
// normally, the workers' samples are in the profiles, and memory, threads and open files stay
// flat (RSS: less than 16 MB from the 500th worker to the 1,000th).
import t from 'tap';
import { workersChurn } from '../fixtures/reliability/churn-checks.js';

// The sampling kinds and the event kinds separately, so that a failure names its side.
t.test('1,000 workers started and terminated under the time and heap profiles', (t) => workersChurn(t, 1000, 16e6, 1500000, 'time,heap'));
t.test('1,000 workers started and terminated under the contention and exceptions profiles', (t) => workersChurn(t, 1000, 16e6, 1500000, 'contention,exceptions'));
