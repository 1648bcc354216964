/**
 * ServBay AI Gateway (the default). No documented health probe: any HTTP answer on the root
 * means it is up. No public key API: the virtual key is created in ServBay's UI and given to
 * gwctl (GWCTL_GATEWAY_KEY or `gwctl config set gateway.key`), so nothing is minted or revoked.
 */
import type { GatewayClient } from '../client.ts';
import { answers, standardBases, type GatewayKind } from './types.ts';

export const servbay: GatewayKind<'servbay'> = {
  id: 'servbay',
  label: 'ServBay AI Gateway',
  displayName: 'ServBay AI Gateway',
  providerId: 'servbay',
  signedProbe: false,
  keyHelp: 'create one in ServBay (AI Gateway → Keys)',
  defaultRoot: 'http://127.0.0.1:11580',
  baseUrls: standardBases,
  probe: 'GET /',
  async health(client: GatewayClient) {
    await client.call('GET', '/', { auth: false });
  },
  looksLike: (client) => answers(client, '/', () => true),
};
