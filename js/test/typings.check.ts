// Compiled by `make test` with tsc --noEmit: usage a site writes must type-check, and
// misuse must not (each @ts-expect-error fails the build if the line compiles).
import type { KustomerChatError, KustomerTrackingIdentity } from '../kustomer-chat';

async function site(jwt: string): Promise<void> {
  await KustomerChat.ready;
  const identity: KustomerTrackingIdentity = await KustomerChat.logIn(jwt);
  const email: string | null = identity.email;
  const loggedIn: boolean = await window.KustomerChat.isLoggedIn('email', email ?? '');
  const remove: () => void = KustomerChat.addListener('onUnread', ({ total }) => console.log(total + Number(loggedIn)));
  remove();
  const conversation = await KustomerChat.createConversation({ message: 'hi' });
  const [first] = await KustomerChat.getMessages(conversation.id);
  const author: 'customer' | 'agent' = first.author;
  const agentName: string | null = first.authorName;
  console.log(author, agentName);
  const me: KustomerTrackingIdentity = await KustomerChat.getIdentity();
  const device: string = me.trackingId;
  const pending = await KustomerChat.getPendingMessages();
  const state: 'sending' | 'failed' | undefined = pending[0]?.state;
  console.log(device, state);
  KustomerChat.addListener('onConnectionChange', ({ connected }) => console.log(connected));
  KustomerChat.addListener('onMessageSent', (m) => console.log(m.id));
  await KustomerChat.open();
  const visible: boolean = await KustomerChat.isVisible();
  if (visible) await KustomerChat.close();
  try {
    await KustomerChat.logOutThenLogIn(jwt);
  } catch (e) {
    const code: KustomerChatError['code'] = (e as KustomerChatError).code;
    console.log(code);
  }
  // @ts-expect-error idType is "email" or "userId"
  await KustomerChat.isLoggedIn('phone', 'x');
  // @ts-expect-error events are named
  KustomerChat.addListener('onWhatever', () => {});
  await KustomerChat.setTokenProvider(() => fetch('/chat-token').then((r) => r.text()));
  await KustomerChat.start({ apiKey: 'pk', getToken: async () => jwt });
  await KustomerChat.setTokenProvider(null);
  // @ts-expect-error the provider returns a Promise of the token
  await KustomerChat.setTokenProvider(() => 42);
  // @ts-expect-error logIn takes a string token
  await KustomerChat.logIn({ jwt });
}
void site;
