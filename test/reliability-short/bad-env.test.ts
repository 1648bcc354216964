/** Bad environments (short: 8 fill levels, 0–14 KiB free; long: test/reliability/bad-env.test.ts). */
import { badEnvironmentTests } from '../reliability/lib/badenv.ts';

badEnvironmentTests({ fillSteps: 8, maxFreeKiB: 14 });
