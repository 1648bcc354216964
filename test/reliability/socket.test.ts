/** Socket abuse, long: 1,200 hostile frames, 1,000 rapid connections, 20 clients × 100 status requests. */
import { socketAbuseTests } from './lib/socket-tests.ts';

socketAbuseTests({
  frames: 1200,
  rapid: 1000,
  clients: 20,
  requests: 100,
  label: 'long',
  command: 'npm run test:reliability -- test/reliability/socket.test.ts',
});
