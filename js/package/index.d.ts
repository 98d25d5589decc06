// The npm package's typings: loadKustomerChat, and the SDK's own types, which come
// from the typings the service serves at /sdk/kustomer-chat.d.ts (placed next to this
// file when the package is packed).
import type { KustomerChat, TokenProvider } from './kustomer-chat.js';

export * from './kustomer-chat.js';

/** The script tag's data-* options, camelCased, and the token provider. */
export interface LoadOptions {
  /** The chat service's URL; the loader comes from `${serverUrl}/sdk/kustomer-chat.js`. */
  serverUrl: string;
  /** Your org's public API key. */
  apiKey: string;
  /** false: no launcher; open the chat from your own button with KustomerChat.open(). Default true. */
  launcher?: boolean;
  /** The corner of the launcher and the panel. Default 'right'. */
  position?: 'left' | 'right';
  /** Accent colour, any CSS colour; an invalid one is ignored. */
  color?: string;
  /** The panel's header and accessible name. Default 'Chat with us'. */
  title?: string;
  /** The first line a visitor reads. Default 'Hi! How can we help?'. */
  greeting?: string;
  /** Set as the token provider once the SDK is ready: see KustomerChat.setTokenProvider. */
  getToken?: TokenProvider;
}

/**
 * Adds the chat service's loader to the page once and resolves to the KustomerChat
 * global when it is ready (this fetches the WebAssembly core). Every later call with
 * the same options returns the same Promise; one with other options rejects
 * INVALID_ARGUMENT. A loader already on the page (its script tag, or the pre-load
 * snippet) is used instead of a second one. Rejects NETWORK_ERROR when the loader
 * cannot be fetched, and as KustomerChat.ready when the core cannot start. Call it in
 * the browser: the module itself touches no window, so importing it during server
 * rendering is safe.
 */
export function loadKustomerChat(options: LoadOptions): Promise<KustomerChat>;
