//go:build js && wasm

package main

import (
	"github.com/hack-pad/safejs"

	"github.com/kustomer-chat/kustomer-chat/sdk"
)

var errInternalPanic = &sdk.Error{Code: sdk.CodeInternal, Message: "internal error in the chat SDK; later calls still work"}

func argError(message string) error {
	return &sdk.Error{Code: sdk.CodeInvalidArgument, Message: message}
}

// bridge holds the client that start creates. JavaScript calls Go one callback at a
// time, so the field needs no lock.
type bridge struct {
	client    *sdk.Client
	apiKey    string
	serverURL string
}

func (b *bridge) methods() map[string]func(args []safejs.Value) any {
	return map[string]func(args []safejs.Value) any{
		"start": b.start,
		"logIn": func(args []safejs.Value) any {
			jwt, ok := stringArg(args, 0)
			return b.with(ok && jwt != "", "logIn(jwt) needs the token as a non-empty string", func(c *sdk.Client) any {
				return settle(c.LogIn(jwt), identityJS)
			})
		},
		"logOutThenLogIn": func(args []safejs.Value) any {
			jwt, ok := stringArg(args, 0)
			return b.with(ok && jwt != "", "logOutThenLogIn(jwt) needs the token as a non-empty string", func(c *sdk.Client) any {
				return settle(c.LogOutThenLogIn(jwt), identityJS)
			})
		},
		"logOut": func([]safejs.Value) any {
			return b.with(true, "", func(c *sdk.Client) any { return settle(c.LogOut(), none) })
		},
		"isLoggedIn": func(args []safejs.Value) any {
			idType, ok1 := stringArg(args, 0)
			id, ok2 := stringArg(args, 1)
			return b.with(ok1 && ok2, `isLoggedIn(idType, id) needs idType "email" or "userId" and id as strings`, func(c *sdk.Client) any {
				return settle(c.IsLoggedIn(idType, id), same[bool])
			})
		},
		"getIdentity": func([]safejs.Value) any {
			return b.with(true, "", func(c *sdk.Client) any { return settle(c.GetIdentity(), identityJS) })
		},
		"createConversation": func(args []safejs.Value) any {
			message, ok := stringField(args, 0, "message")
			return b.with(ok, "createConversation({ message }) needs message as a string", func(c *sdk.Client) any {
				return settle(c.CreateConversation(message), conversationJS)
			})
		},
		"sendMessage": func(args []safejs.Value) any {
			id, ok1 := stringArg(args, 0)
			text, ok2 := stringArg(args, 1)
			return b.with(ok1 && ok2, "sendMessage(conversationId, text) needs two strings", func(c *sdk.Client) any {
				return settle(c.SendMessage(id, text), messageJS)
			})
		},
		"getConversations": func([]safejs.Value) any {
			return b.with(true, "", func(c *sdk.Client) any { return settle(c.GetConversations(), conversationsJS) })
		},
		"getMessages": func(args []safejs.Value) any {
			id, ok := stringArg(args, 0)
			return b.with(ok, "getMessages(conversationId) needs a string", func(c *sdk.Client) any {
				return settle(c.GetMessages(id), messagesJS)
			})
		},
		"getUnreadCount": func([]safejs.Value) any {
			return b.with(true, "", func(c *sdk.Client) any { return settle(c.GetUnreadCount(), same[int]) })
		},
		"markRead": func(args []safejs.Value) any {
			id, ok := stringArg(args, 0)
			return b.with(ok, "markRead(conversationId) needs a string", func(c *sdk.Client) any {
				return settle(c.MarkRead(id), none)
			})
		},
		"getPendingMessages": func([]safejs.Value) any {
			return b.with(true, "", func(c *sdk.Client) any { return settle(c.GetPendingMessages(), pendingJS) })
		},
		"setTokenProvider": func(args []safejs.Value) any {
			fn := safejs.Undefined()
			if len(args) > 0 {
				fn = args[0]
			}
			provider, ok := functionArg(fn)
			return b.with(ok, "setTokenProvider(fn) needs a function that returns a Promise of a login token, or null", func(c *sdk.Client) any {
				return settle(c.SetTokenProvider(provider), none)
			})
		},
		"retryPending": func([]safejs.Value) any {
			return b.with(true, "", func(c *sdk.Client) any { return settle(c.RetryPending(), none) })
		},
	}
}

// with runs call against the started client. Before start every call rejects
// NOT_CONFIGURED; an invalid argument rejects in its turn in the queue, so calls
// still settle in call order.
func (b *bridge) with(valid bool, usage string, call func(c *sdk.Client) any) any {
	if b.client == nil {
		return rejected(&sdk.Error{Code: sdk.CodeNotConfigured, Message: "call KustomerChat.start({ apiKey }) first, or add data-api-key to the script tag"})
	}
	if !valid {
		return settle(sdk.Fail[struct{}](b.client, argError(usage)), none)
	}
	return call(b.client)
}

// start({ apiKey, serverUrl, getToken }, emit) creates the client. emit(event, payload) is the
// loader's dispatcher to the page's listeners.
func (b *bridge) start(args []safejs.Value) any {
	apiKey, ok1 := stringField(args, 0, "apiKey")
	serverURL, ok2 := stringField(args, 0, "serverUrl")
	if !ok1 || !ok2 || apiKey == "" {
		return rejected(argError("start({ apiKey, serverUrl }) needs apiKey and serverUrl as strings"))
	}
	getToken, _ := get(args[0], "getToken")
	provider, ok := functionArg(getToken)
	if !ok {
		return rejected(argError("start({ getToken }) needs getToken as a function"))
	}
	if b.client != nil {
		if apiKey != b.apiKey || serverURL != b.serverURL {
			return rejected(argError("KustomerChat is already started with another apiKey or serverUrl"))
		}
		// The script tag's data-api-key started it: the page's own start
		// still brings its provider.
		if provider != nil {
			return settle(b.client.SetTokenProvider(provider), none)
		}
		return resolved(nil)
	}
	var emit safejs.Value
	if len(args) > 1 && args[1].Type() == safejs.TypeFunction {
		emit = args[1]
	}
	client, err := sdk.New(sdk.Config{
		APIKey:        apiKey,
		ServerURL:     serverURL,
		Storage:       openStorage(),
		Transport:     fetchTransport{},
		Random:        getRandomValues,
		Events:        pageEvents(emit),
		Warn:          warn,
		TokenProvider: provider,
		AfterAnswer:   nextTask,
	})
	if err != nil {
		return rejected(err)
	}
	b.client, b.apiKey, b.serverURL = client, apiKey, serverURL
	client.GetIdentity() // load the stored state now, so a logged-in page gets its events
	watchOtherTabs(client)
	listen("online", func() { client.RetryPending() }) // the network is back: try the outbox now
	return resolved(nil)
}

// pageEvents passes the core's events to the loader's emit(event, payload), which
// calls each listener in its own try/catch so a throwing listener cannot stop the
// others. nil (no events) without an emit function.
func pageEvents(emit safejs.Value) sdk.Events {
	if emit.Type() != safejs.TypeFunction {
		return nil
	}
	return &jsEvents{emit}
}

type jsEvents struct{ emit safejs.Value }

func (e *jsEvents) send(event string, payload any) { _, _ = e.emit.Invoke(event, payload) }

func (e *jsEvents) Login(id *sdk.Identity) { e.send(sdk.EventLogin, identityJS(id)) }
func (e *jsEvents) Logout()                { e.send(sdk.EventLogout, nil) }
func (e *jsEvents) ConversationCreate(c *sdk.Conversation) {
	e.send(sdk.EventConversationCreate, conversationJS(c))
}
func (e *jsEvents) MessageReceived(m *sdk.Message) { e.send(sdk.EventMessageReceived, messageJS(m)) }
func (e *jsEvents) Unread(total int)               { e.send(sdk.EventUnread, map[string]any{"total": total}) }
func (e *jsEvents) MessageSent(m *sdk.Message)     { e.send(sdk.EventMessageSent, messageJS(m)) }
func (e *jsEvents) ConnectionChange(connected bool) {
	e.send(sdk.EventConnectionChange, map[string]any{"connected": connected})
}

// watchOtherTabs reloads the state and the outbox when another tab of the site
// writes them; the storage event fires only in the other tabs, within milliseconds.
func watchOtherTabs(c *sdk.Client) {
	keys := [2]string{c.StorageKey(), c.OutboxKey()}
	onStorage, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		if len(args) == 0 {
			return nil
		}
		k, err := args[0].Get("key")
		if err != nil {
			return nil
		}
		changed, _ := k.String()
		if k.IsNull() || changed == keys[0] || changed == keys[1] { // null: localStorage.clear()
			c.Reload()
		}
		return nil
	})
	if err != nil {
		return
	}
	_, _ = safejs.Global().Call("addEventListener", "storage", onStorage)
}

// listen calls f on each event of the window's; f must not block.
func listen(event string, f func()) {
	fn, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any { f(); return nil })
	if err == nil {
		_, _ = safejs.Global().Call("addEventListener", event, fn)
	}
}
