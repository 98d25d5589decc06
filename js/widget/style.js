// The panel's stylesheet, adopted by the shadow root (no <style> element, so a strict
// CSP needs no 'unsafe-inline'). Sites theme it with the custom properties on the host
// element: --kc-accent, --kc-accent-text, --kc-bg, --kc-fg, --kc-muted, --kc-border,
// --kc-agent-bg, --kc-font, --kc-radius.
export const css = `
.panel{--bg:var(--kc-bg,#fff);--fg:var(--kc-fg,#1d2330);--muted:var(--kc-muted,#596273);
--line:var(--kc-border,#d9dde5);--agent:var(--kc-agent-bg,#eef1f6);--accent:var(--kc-accent,#1f5fd1);
--on-accent:var(--kc-accent-text,#fff);--radius:var(--kc-radius,16px);
position:fixed;bottom:88px;right:20px;width:370px;height:min(600px,calc(100vh - 108px));
display:flex;flex-direction:column;box-sizing:border-box;overflow:hidden;
background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:var(--radius);
box-shadow:0 12px 40px rgba(0,0,0,.25);font:15px/1.4 var(--kc-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);
text-align:left;letter-spacing:normal;word-spacing:normal;text-transform:none;}
.panel.left{right:auto;left:20px}
.panel[hidden]{display:none}
@media (prefers-color-scheme:dark){.panel{--bg:var(--kc-bg,#1b1e24);--fg:var(--kc-fg,#eef1f5);--muted:var(--kc-muted,#a7b0bd);
--line:var(--kc-border,#3a404b);--agent:var(--kc-agent-bg,#2a2f38);--accent:var(--kc-accent,#1f5fd1)}}
@media (prefers-reduced-motion:no-preference){.panel:not([hidden]){animation:kc-in .16s ease-out}
@keyframes kc-in{from{opacity:0;transform:translateY(8px)}}}
*,*::before,*::after{box-sizing:border-box}
button,textarea{font:inherit;color:inherit}
button{cursor:pointer}
:focus-visible{outline:2px solid var(--kc-focus,currentColor);outline-offset:2px}
textarea:focus-visible{outline-color:var(--kc-focus,var(--accent));outline-offset:0}
.vh{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.head{display:flex;align-items:center;gap:8px;padding:12px 12px 12px 16px;background:var(--accent);color:var(--on-accent)}
.head h2{flex:1;margin:0;font-size:17px;font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.icon{width:40px;height:40px;flex:none;border:0;border-radius:50%;background:transparent;color:inherit;font-size:22px;line-height:1;display:flex;align-items:center;justify-content:center}
.icon svg,.send svg{width:24px;height:24px;fill:currentColor}
.send svg{width:20px;height:20px}
.icon:hover{background:rgba(255,255,255,.16)}
.icon[hidden]{display:none}
.notice{margin:0;padding:8px 16px;background:#fff4ce;color:#4a3800;font-size:14px}
.notice:empty{display:none}
.view{flex:1;min-height:0;display:flex;flex-direction:column}
.view[hidden]{display:none}
.log{flex:1;min-height:0;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:12px;overscroll-behavior:contain}
.greeting{margin:0;align-self:flex-start;max-width:85%;padding:10px 14px;border-radius:14px;background:var(--agent)}
.msg{max-width:85%;display:flex;flex-direction:column;gap:2px;align-self:flex-start}
.msg.mine{align-self:flex-end;align-items:flex-end}
.meta{font-size:12px;color:var(--muted)}
.bubble{margin:0;padding:10px 14px;border-radius:14px;background:var(--agent);white-space:pre-wrap;overflow-wrap:anywhere}
.mine .bubble{background:var(--accent);color:var(--on-accent)}
.mine .bubble a{color:inherit}
.bubble a{color:var(--accent);text-decoration:underline}
.state{font-size:12px;color:var(--muted);display:flex;gap:6px;align-items:center}
.state.failed{color:#b3261e}
@media (prefers-color-scheme:dark){.state.failed{color:#ffb4ab}}
.link{border:0;background:none;padding:0;text-decoration:underline;color:var(--accent);font-size:12px}
@media (prefers-color-scheme:dark){.link,.bubble a{color:#a8c7ff}.mine .bubble a{color:inherit}}
form{display:flex;gap:8px;align-items:flex-end;padding:10px 12px;border-top:1px solid var(--line)}
textarea{flex:1;min-height:44px;max-height:140px;resize:none;padding:10px 12px;border:1px solid var(--line);border-radius:12px;background:var(--bg);font-size:16px}
.send{width:44px;height:44px;flex:none;border:0;border-radius:50%;background:var(--accent);color:var(--on-accent);font-size:18px}
.list{flex:1;min-height:0;overflow-y:auto;margin:0;padding:8px;list-style:none}
.list button{width:100%;display:grid;grid-template-columns:1fr auto;gap:2px 8px;padding:12px;border:0;border-radius:10px;background:none;text-align:left}
.list button:hover{background:var(--agent)}
.preview{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.count{grid-row:span 2;align-self:center;min-width:22px;padding:0 6px;border-radius:11px;background:#c62828;color:#fff;font-size:12px;line-height:22px;text-align:center}
.new{margin:8px 12px 12px;padding:12px;border:0;border-radius:12px;background:var(--accent);color:var(--on-accent);font-weight:600}
.list time,.empty{font-size:12px;color:var(--muted)}
.empty{padding:12px}
@media (max-width:479.98px){.panel,.panel.left{inset:0;top:var(--kc-viewport-top,0);width:auto;height:var(--kc-viewport-height,100%);border:0;border-radius:0}}
`;
