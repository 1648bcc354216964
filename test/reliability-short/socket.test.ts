/** Socket abuse, short (the long one: test/reliability/socket.test.ts). */
import { socketAbuseTests } from '../reliability/lib/socket-tests.ts';

socketAbuseTests({ frames: 48, rapid: 200, clients: 5, requests: 20, label: 'short', command: 'npx vitest run test/reliability-short/socket.test.ts' });
