// What a forge is to Augur: a folder forge/<type>/ exporting one ForgeModule, registered in
// forge/registry.ts. The config's `forge:` union, the adapter, git's credentials for HTTPS pushes
// and the webhook that reports closed PRs all come from here, so adding a forge (GitLab, Gitea)
// touches its folder and one registry line.
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { SecretRef } from '../config/fields.js';
import type { Forge, PullRequestClosedEvent } from '../domain/forge.js';
import type { Logger } from '../domain/ports.js';
import type { RetryBudget } from '../domain/budget.js';

/** What a forge module may ask of the configuration's surroundings. */
export interface ForgeContext {
  /** A path of the guardrails file, relative to the file. */
  resolve(path: string): string;
  /** Reads a secret ({ env } or { file }); `what` names the key in error messages. */
  secret(ref: SecretRef, what: string): string;
  log: Logger;
  /** The cycle's retries, longest wait and deadline; absent outside a cycle. */
  budget?: RetryBudget;
}

/** Username and password (a token) for git over HTTPS. */
export interface GitAuth {
  username: string;
  password: string;
}

/** What a forge's webhook delivery is: an event Augur acts on, a reply (ping, ignored), or a refusal. */
export type WebhookRead =
  | { refuse: { status: number; error: string } }
  | { delivery: string; reply: { status: number; body: object } }
  | { delivery: string; closed: PullRequestClosedEvent };

export interface ForgeWebhook {
  /** What the endpoint does, and where its secret comes from, for the config reference. */
  readonly doc: string;
  readonly secretDoc: string;
  /** Checks that the delivery comes from the forge (a signature over the exact bytes, before anything is parsed) and reads it. */
  read(req: { headers: IncomingHttpHeaders; body: Buffer }, secret: string): Promise<WebhookRead>;
}

export interface ForgeModule<T extends string = string, S extends z.ZodObject = z.ZodObject> {
  /** `forge.type` in the guardrails file. */
  readonly type: T;
  /** The whole `forge:` object for this type: `type`, the common keys (config/fields.ts forgeCommon) and its own. */
  readonly configSchema: S;
  create(config: z.output<S>, ctx: ForgeContext): Forge;
  /** Credentials for pushing branches over HTTPS; `token` is git.token when set. Undefined: no credentials. */
  gitAuth(config: z.output<S>, ctx: ForgeContext, token: string | undefined): GitAuth | undefined;
  /** POST /webhooks/<type>, with the secret at webhooks.<type>.secret. */
  readonly webhook?: ForgeWebhook;
}
