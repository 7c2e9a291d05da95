// 100 worker threads started and terminated while the whole profiler runs (test/long does
// 1,000): the program ends normally, the workers' samples are in the profiles, and memory,
// threads and open files stay flat.
import t from 'tap';
import { workersChurn } from '../fixtures/reliability/churn-checks.js';

// The sampling kinds and the event kinds separately, so that a failure names its side.
t.test('100 workers started and terminated under the time and heap profiles', (t) => workersChurn(t, 100, 12e6, 120000, 'time,heap'));
t.test('100 workers started and terminated under the contention and exceptions profiles', (t) => workersChurn(t, 100, 12e6, 120000, 'contention,exceptions'));
