/**
 * The gateway kinds gwctl knows, listed once: a new kind is its file in this directory and one
 * line here. KindId, GATEWAY_KINDS and KINDS derive from this list (detection and help too).
 */
import { bifrost } from './bifrost.ts';
import { litellm } from './litellm.ts';
import { newApi } from './new-api.ts';
import { servbay } from './servbay.ts';
import { staticKind } from './static.ts';
import type { GatewayKind } from './types.ts';

export const KIND_LIST = [servbay, litellm, newApi, bifrost, staticKind] as const;

export type KindId = (typeof KIND_LIST)[number]['id'];

// A kind declared `: GatewayKind` without its id would make every KindId a plain string.
type IdsAreNamed = string extends KindId ? "declare each kind with its id: GatewayKind<'its-id'>" : true;
const idsAreNamed: IdsAreNamed = true;
void idsAreNamed;

export const GATEWAY_KINDS: readonly KindId[] = KIND_LIST.map((k) => k.id);

export const KINDS = Object.fromEntries(KIND_LIST.map((k) => [k.id, k])) as { readonly [K in KindId]: GatewayKind<K> };
