/**
 * Any gateway gwctl cannot mint keys on (claude-code-router, one-api, LiteLLM without its
 * database, …): a configured key is used for every tool, and restore revokes nothing.
 */
import type { GatewayClient } from '../client.ts';
import { answers, standardBases, type GatewayKind } from './types.ts';

export const staticKind: GatewayKind<'static'> = {
  id: 'static',
  label: 'static gateway',
  displayName: 'AI Gateway',
  providerId: 'gateway',
  signedProbe: false,
  keyHelp: 'take the key from the gateway',
  defaultRoot: null,
  baseUrls: standardBases,
  probe: 'GET /',
  async health(client: GatewayClient) {
    // Any HTTP status means something is listening.
    await client.call('GET', '/', { auth: false });
  },
  looksLike: (client) => answers(client, '/', () => true),
};
