/**
 * Which gateways answer on this machine: each kind's default root on loopback, probed with its
 * own health endpoint (`/health/liveliness`, `/api/status`, `/health`, any answer on ServBay's
 * root). Given URLs instead, every kind's probe is tried on each.
 */
import { GatewayClient } from './client.ts';
import { KIND_LIST, KINDS, type KindId } from './kinds/index.ts';
import type { GatewayKind } from './kinds/types.ts';
import { trimRoot } from '../shared/address.ts';

export interface Detected {
  kind: KindId;
  url: string;
  /** The probe that answered, e.g. "GET /health/liveliness". */
  probe: string;
  latencyMs: number;
}

export const DETECT_TIMEOUT_MS = 1500;

async function timed(kind: GatewayKind<KindId>, url: string, timeoutMs: number): Promise<Detected | undefined> {
  const started = performance.now();
  const ok = await kind.looksLike(new GatewayClient(url, { timeoutMs }));
  return ok ? { kind: kind.id, url, probe: kind.probe, latencyMs: Math.round(performance.now() - started) } : undefined;
}

/** Each kind's own probe on its default root (`roots` replaces some roots, e.g. in tests). */
export async function detectDefaults(timeoutMs = DETECT_TIMEOUT_MS, roots: Partial<Record<KindId, string>> = {}): Promise<Detected[]> {
  const probes = KIND_LIST.map((k): GatewayKind<KindId> => k)
    .map((k) => ({ kind: k, root: roots[k.id] ?? k.defaultRoot }))
    .filter((p): p is { kind: GatewayKind<KindId>; root: string } => p.root !== null);
  const found = await Promise.all(probes.map((p) => timed(p.kind, p.root, timeoutMs)));
  return found.filter((d): d is Detected => d !== undefined);
}

/** Probe given roots: the first kind whose probe answers; something that answers only `GET /` is `static`. */
export async function detectAt(urls: string[], timeoutMs = DETECT_TIMEOUT_MS): Promise<Detected[]> {
  const out: Detected[] = [];
  for (const raw of urls) {
    const url = trimRoot(raw);
    // Kinds with a probe of their own first; ServBay and static answer to anything.
    const signed = await Promise.all(KIND_LIST.filter((k) => k.signedProbe).map((k) => timed(k, url, timeoutMs)));
    const hit = signed.find((d) => d !== undefined);
    if (hit) {
      out.push(hit);
      continue;
    }
    const any = await timed(KINDS.static, url, timeoutMs);
    if (any) out.push({ ...any, kind: url === KINDS.servbay.defaultRoot ? 'servbay' : 'static' });
  }
  return out;
}
