/** Bad environments, long: the full disk at 33 fill levels (every 2 KiB from 0 to 64 KiB free). */
import { badEnvironmentTests } from './lib/badenv.ts';

badEnvironmentTests({ fillSteps: 33, maxFreeKiB: 64 });
