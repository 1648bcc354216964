/**
 * The CLI run straight from src/ (Node strips the types), for the reliability suite: a child
 * process the tests can SIGKILL at random points, or at a write with GWCTL_TEST_CRASH_AT
 * (see testCrashPoint in src/configio/io.ts). Usage: node scripts/crash-worker.ts <gwctl args…>
 */
import { main } from '../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
