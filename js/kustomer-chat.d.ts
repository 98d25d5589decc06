// Type definitions for the Kustomer Chat SDK: the global that
// <script src=".../sdk/kustomer-chat.js" data-api-key="..." async></script> defines.

export type KustomerChatErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_TOKEN'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_REJECTED'
  | 'NOT_CONFIGURED'
  | 'NOT_FOUND'
  | 'NETWORK_ERROR'
  | 'SERVER_ERROR'
  /** The service refused for now (too many requests): try again in a while, not at once. */
  | 'RATE_LIMITED'
  | 'INTERNAL';

/** Every rejection of the SDK. */
export interface KustomerChatError extends Error {
  name: 'KustomerChatError';
  code: KustomerChatErrorCode;
}

/** The visitor as the SDK knows them: anonymous until a logIn verifies them. */
export interface KustomerTrackingIdentity {
  /** The tracking identity (customer on this device); null until the service knows the device. */
  id: string | null;
  /** null for an anonymous visitor who has not started a chat yet. */
  customerId: string | null;
  /** This device's id (UUID v4); a new one after every logOut. */
  trackingId: string;
  email: string | null;
  externalId: string | null;
  verified: boolean;
  /** ISO 8601. */
  verifiedAt: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface Conversation {
  id: string;
  createdAt: string;
  lastMessageAt: string;
  preview: string;
  unread: number;
}

export interface Message {
  /** Made on the device for the customer's own messages, so a retry stores it once. */
  id: string;
  conversationId: string;
  body: string;
  author: 'customer' | 'agent';
  /** The agent's display name; null for the customer's messages and unnamed agents. */
  authorName: string | null;
  createdAt: string;
}

/** A message of this device that the service has not stored yet; it is kept on the
 * device and sent, in order, when the service is reachable. */
export interface PendingMessage extends Message {
  author: 'customer';
  /** sending: an attempt is under way; failed: the last attempt found no service (it is retried by itself). */
  state: 'sending' | 'failed';
}

export interface KustomerChatEvents {
  onLogin: (identity: KustomerTrackingIdentity) => void;
  onLogout: () => void;
  onConversationCreate: (conversation: Conversation) => void;
  onMessageReceived: (message: Message) => void;
  onUnread: (unread: { total: number }) => void;
  onOpen: () => void;
  onClose: () => void;
  /** A message of this device was stored by the service (at once, or later from the outbox). */
  onMessageSent: (message: Message) => void;
  /** The service became unreachable (connected false) or reachable again. */
  onConnectionChange: (state: { connected: boolean }) => void;
}

export interface StartOptions {
  apiKey: string;
  /** Defaults to the origin the loader was served from. */
  serverUrl?: string;
  /** The token provider: see setTokenProvider. */
  getToken?: TokenProvider;
}

/**
 * Returns a fresh login JWT for the signed-in user from the site's backend. Asked when
 * a logged-in visitor's chat session ends at the service (expired, or revoked); the
 * SDK then logs in again without the visitor noticing. Waited for up to 10 s.
 */
export type TokenProvider = () => Promise<string>;

export interface KustomerChat {
  /** Resolves when the WebAssembly core runs; rejects when it cannot load. */
  readonly ready: Promise<void>;
  /** Needed only when the script tag has no data-api-key. */
  start(options: StartOptions): Promise<void>;
  /** jwt: HS256 compact JWS from the site's backend with email and/or externalId, and iat. */
  logIn(jwt: string): Promise<KustomerTrackingIdentity>;
  isLoggedIn(idType: 'email' | 'userId', id: string): Promise<boolean>;
  logOut(): Promise<void>;
  logOutThenLogIn(jwt: string): Promise<KustomerTrackingIdentity>;
  /**
   * Without one, or when it fails or names another customer, an ended session makes the
   * device a fresh anonymous visitor, with a console warning and onLogout. null removes it.
   */
  setTokenProvider(fn: TokenProvider | null): Promise<void>;
  /** Always an identity once started: anonymous until a logIn. */
  getIdentity(): Promise<KustomerTrackingIdentity>;
  createConversation(options: { message: string }): Promise<Conversation>;
  sendMessage(conversationId: string, text: string): Promise<Message>;
  /** Newest activity first. */
  getConversations(): Promise<Conversation[]>;
  /** Oldest first. */
  getMessages(conversationId: string): Promise<Message[]>;
  getUnreadCount(): Promise<number>;
  markRead(conversationId: string): Promise<void>;
  /** The messages kept on this device until the service stores them, oldest first. */
  getPendingMessages(): Promise<PendingMessage[]>;
  /** Try to send the pending messages now instead of at the next scheduled retry. */
  retryPending(): Promise<void>;
  /** Show the chat panel; works before the core is ready. */
  open(): Promise<void>;
  /** Hide the chat panel. */
  close(): Promise<void>;
  isVisible(): Promise<boolean>;
  /** Returns a function that removes the listener. */
  addListener<E extends keyof KustomerChatEvents>(event: E, listener: KustomerChatEvents[E]): () => void;
  removeListener<E extends keyof KustomerChatEvents>(event: E, listener: KustomerChatEvents[E]): void;
}

declare global {
  interface Window {
    KustomerChat: KustomerChat;
  }
  const KustomerChat: KustomerChat;
}
