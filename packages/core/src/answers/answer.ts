/**
 * A complete HTTP answer built by core. Adapters copy it to the wire unchanged:
 * status, every header, and the body bytes (an empty string means no body).
 */
export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}
