import { useEffect, useState } from 'react';
import { loadKustomerChat } from 'kustomer-chat';

// useKustomerChat loads the chat once for the page and keeps it signed in as the
// site's user: logged in while user is someone (with a JWT from getToken, the site's
// backend), logged out when user becomes null. options are loadKustomerChat's; keep
// getToken the same function across renders (define it outside the component):
// loadKustomerChat refuses other options once the chat is loaded.
// Returns { chat, error }: chat is null until it is ready.
export function useKustomerChat(options, user) {
  const [chat, setChat] = useState(null);
  const [error, setError] = useState(null);
  const { serverUrl, apiKey, getToken } = options;

  useEffect(() => {
    let live = true;
    // Every mount gets the same Promise: the loader is added once.
    loadKustomerChat(options).then((kc) => live && setChat(kc), (e) => live && setError(e));
    return () => { live = false; };
  }, [serverUrl, apiKey, getToken]); // eslint-disable-line react-hooks/exhaustive-deps

  const email = user ? user.email : null;
  useEffect(() => {
    if (!chat) return;
    let live = true;
    link(chat, email, getToken).catch((e) => live && setError(e));
    return () => { live = false; };
  }, [chat, email, getToken]);

  return { chat, error };
}

async function link(chat, email, getToken) {
  const identity = await chat.getIdentity();
  if (email === null) {
    // Only a chat logged in as someone: an anonymous visitor keeps their chat.
    if (identity.verified) await chat.logOut();
    return;
  }
  // Answered on the device, no request: an already linked user costs no token.
  if (await chat.isLoggedIn('email', email)) return;
  const jwt = await getToken();
  // Another user still logged in on this device is switched in one step.
  await (identity.verified ? chat.logOutThenLogIn(jwt) : chat.logIn(jwt));
}
