/** `gwctl gateway status`: kind, url, healthy, latency, how many models it lists. */
import type { ResolvedGateway } from './index.ts';
import { redact } from '../shared/redact.ts';
import { listModels } from './models.ts';

export interface GatewayStatus {
  kind: string;
  url: string;
  healthy: boolean;
  latencyMs: number | null;
  /** Models the gateway lists (null when the list could not be read). */
  models: number | null;
  error?: string;
  modelsError?: string;
}

export async function gatewayStatus(gw: ResolvedGateway): Promise<GatewayStatus> {
  const base = { kind: gw.kind.id, url: gw.settings.root };
  const started = performance.now();
  try {
    await gw.keys.health();
  } catch (e) {
    return { ...base, healthy: false, latencyMs: null, models: null, error: redact((e as Error).message) };
  }
  const latencyMs = Math.round(performance.now() - started);
  // Reading the list needs a key the gateway accepts: the configured one, else (LiteLLM) the
  // master key (KeySource.peekModels). Minting a key just to count models would leave traces in the gateway.
  try {
    const models = gw.keys.peekModels ? await gw.keys.peekModels() : await listModels(gw.settings.baseUrl.openai, gw.configuredKey());
    return { ...base, healthy: true, latencyMs, models: models.length };
  } catch (e) {
    return { ...base, healthy: true, latencyMs, models: null, modelsError: gw.client().scrub(redact((e as Error).message)) };
  }
}
