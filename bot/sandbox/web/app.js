// 网格通 sandbox web chat. Plays the users; the bot on the other side is the real one.
// Vanilla JS, no build step, nothing loaded from anywhere but this server.
"use strict";

(() => {
  const $ = (selector) => document.querySelector(selector);
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) {
        node.append(child instanceof Node ? child : document.createTextNode(String(child)));
      }
    }
    return node;
  };

  const S = {
    state: null,
    me: null,
    chatId: null,
    people: new Map(),
    groups: new Map(), // chat id -> chat info (groups)
    msgs: new Map(), // chat id -> Map(message id -> view), for chats opened so far
    last: new Map(), // chat id -> last message view
    unread: new Map(),
    pending: new Map(), // callback query id -> button element
    clock: { ts: Date.now() / 1000, scale: 1, at: Date.now() / 1000, tz: "Asia/Shanghai" },
    replyTo: null,
    filter: "",
    connected: false,
    helloSeen: false,
  };
  let fmtTime, fmtDay;

  // ── server calls ──────────────────────────────────────────────────────────────────────
  async function call(path, body) {
    const options = body instanceof FormData ? { method: "POST", body }
      : body ? { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }
        : {};
    const response = await fetch(path, options);
    const data = await response.json().catch(() => ({ ok: false, error: response.statusText }));
    if (!response.ok || data.ok === false) throw new Error(data.error || response.statusText);
    return data;
  }
  const fail = (error) => toast(`出错了：${error.message || error}`);

  // ── start ─────────────────────────────────────────────────────────────────────────────
  async function init() {
    const state = await call("/sandbox/state");
    applyState(state);
    const wanted = Number(new URLSearchParams(location.search).get("as")) || Number(localStorage.getItem("gridbot.as"));
    const me = S.people.get(wanted) || S.people.get(state.default_person) || state.people[0];
    fillWho();
    const savedChat = Number(localStorage.getItem("gridbot.chat"));
    const reopen = me.id === wanted && (savedChat === me.id || S.groups.has(savedChat)) ? savedChat : undefined;
    setMe(me.id, reopen); // where the visitor was, after a reload
    connect();
    setInterval(renderClock, 1000);
    bindControls();
  }

  function applyState(state) {
    S.state = state;
    S.people = new Map(state.people.map((p) => [p.id, p]));
    S.groups = new Map(state.chats.map((c) => [c.id, c]));
    for (const chat of state.chats) if (chat.last) S.last.set(chat.id, chat.last);
    for (const [id, info] of Object.entries(state.privates || {})) S.last.set(Number(id), info.last);
    setClock(state.clock);
  }

  async function resync() {
    try {
      applyState(await call("/sandbox/state"));
      S.msgs.clear();
      renderList();
      if (S.chatId !== null) await openChat(S.chatId, { keepScroll: true });
    } catch (error) { fail(error); }
  }

  // ── the clock ─────────────────────────────────────────────────────────────────────────
  function setClock(clock) {
    S.clock = { ...clock, at: Date.now() / 1000 };
    if (!fmtTime || clock.tz !== fmtTime.resolvedOptions().timeZone) {
      fmtTime = new Intl.DateTimeFormat("zh-CN", { timeZone: clock.tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
      const parts = new Intl.DateTimeFormat("zh-CN", { timeZone: clock.tz, month: "numeric", day: "numeric", weekday: "short" });
      fmtDay = {
        format(date) {
          const p = Object.fromEntries(parts.formatToParts(date).map((part) => [part.type, part.value]));
          return `${p.month}月${p.day}日 ${p.weekday}`;
        },
      };
    }
    renderClock();
  }
  const nowTs = () => S.clock.ts + (Date.now() / 1000 - S.clock.at) * S.clock.scale;

  function renderClock() {
    if (!fmtTime) return;
    const now = new Date(nowTs() * 1000);
    $("#clock-text").textContent = `${fmtDay.format(now)} ${fmtTime.format(now)}`;
    const fast = S.clock.scale > 1;
    const scale = $("#clock-scale");
    scale.hidden = !fast;
    scale.textContent = fast ? `×${Math.round(S.clock.scale)}` : "";
    const button = $("#btn-fast");
    button.classList.toggle("on", fast);
    button.textContent = fast ? "⏸ 恢复正常速度" : "▶ 1 小时/秒";
  }

  async function setScale(scale) {
    try {
      const { clock } = await call("/sandbox/clock", { scale });
      setClock(clock);
      toast(scale > 1 ? "时间加速：现实 1 秒 = 演示 1 小时。超时的工单会亮黄灯、红灯。" : "时间恢复正常速度。");
    } catch (error) { fail(error); }
  }

  async function jump(hours) {
    try {
      const { clock } = await call("/sandbox/clock", { advance_hours: hours });
      setClock(clock);
      toast(`时间向前跳了 ${hours} 小时，现在是 ${clock.local}。机器人正在检查超时的工单…`);
    } catch (error) { fail(error); }
  }

  // ── who am I ──────────────────────────────────────────────────────────────────────────
  function fillWho() {
    const select = $("#who");
    select.textContent = "";
    const groups = new Map();
    for (const person of S.state.people) {
      const label = person.role_label || "其他";
      if (!groups.has(label)) groups.set(label, el("optgroup", { label }));
      const where = person.unit ? ` · ${person.unit}` : "";
      groups.get(label).append(el("option", { value: person.id, text: `${person.name}${where}` }));
    }
    for (const group of groups.values()) select.append(group);
  }

  function setMe(id, chatId) {
    const person = S.people.get(id);
    if (!person) return;
    if (person.kind !== "resident") $("#hint").hidden = true;
    S.me = person;
    if (person.kind === "resident") S.lastResident = person.id;
    localStorage.setItem("gridbot.as", String(id));
    $("#who").value = String(id);
    $("#who-desc").textContent = person.kind === "resident"
      ? "居民：在私聊里向机器人反映问题"
      : `${person.role_label}${person.leader ? "（负责人）" : ""} · ${person.unit}`;
    const target = chatId ?? (person.kind === "staff" && person.chat_id ? person.chat_id : person.id);
    openChat(target);
  }

  // ── the chat list ─────────────────────────────────────────────────────────────────────
  const KIND_CHAR = { private: "网", district: "指", street: "街", community: "社", grid: "格", department: "部", volunteers: "志" };

  function chatTitle(id) {
    if (id === S.me.id) return "网格通";
    const group = S.groups.get(id);
    return group ? group.title : String(id);
  }

  function renderList() {
    const list = $("#chat-list");
    const filter = S.filter.trim();
    list.textContent = "";
    const mine = [{ id: S.me.id, title: "网格通", kind: "private", kind_label: "与网格通的私聊", members: [S.me.id] }];
    const others = [];
    for (const chat of S.groups.values()) (chat.members.includes(S.me.id) ? mine : others).push(chat);
    const matches = (chat) => !filter || chat.title.includes(filter) || (chat.parent || "").includes(filter);
    const section = (title, chats) => {
      const shown = chats.filter(matches);
      if (!shown.length) return;
      list.append(el("div", { class: "section-title", text: title }));
      for (const chat of shown) list.append(chatItem(chat));
    };
    section("我的聊天", mine);
    section(S.me.kind === "resident" ? "各级工作群（居民看不到，演示可以旁观）" : "其他工作群（只能旁观）", others);
  }

  function chatItem(chat) {
    const last = S.last.get(chat.id);
    const unread = S.unread.get(chat.id) || 0;
    const member = chat.kind === "private" || chat.members.includes(S.me.id);
    let preview = chat.kind_label;
    if (last) {
      const who = last.from_bot ? "" : (last.sender.id === S.me.id ? "我：" : `${last.sender.name}：`);
      preview = who + summary(last);
    }
    return el("button", {
      type: "button",
      class: `chat-item${chat.id === S.chatId ? " active" : ""}${member ? "" : " readonly-chat"}`,
      dataset: { chat: String(chat.id), kind: chat.kind },
      onclick: () => openChat(chat.id),
    },
    el("div", { class: `avatar k-${chat.kind}`, text: KIND_CHAR[chat.kind] || "群" }),
    el("div", { class: "meta" },
      el("div", { class: "row" },
        el("span", { class: "title", text: chat.title }),
        last ? el("span", { class: "time", text: shortTime(last.date) }) : null),
      el("div", { class: "row" },
        el("span", { class: "preview", text: preview }),
        unread ? el("span", { class: "badge", text: unread > 99 ? "99+" : String(unread) }) : null)));
  }

  function summary(view) {
    if (view.photo) return `[照片] ${view.text || ""}`.trim();
    if (view.document) return `[文件] ${view.document.name}`;
    if (view.location) return "[位置]";
    return (view.text || "").split("\n")[0];
  }

  function shortTime(ts) {
    if (!ts || !fmtTime) return "";
    const date = new Date(ts * 1000);
    const today = fmtDay.format(new Date(nowTs() * 1000));
    return fmtDay.format(date) === today ? fmtTime.format(date) : fmtDay.format(date).split(" ")[0];
  }

  // ── one chat ──────────────────────────────────────────────────────────────────────────
  function isMember(chatId) {
    if (chatId === S.me.id) return true;
    const group = S.groups.get(chatId);
    return !!group && group.members.includes(S.me.id);
  }

  async function openChat(chatId, { keepScroll = false } = {}) {
    S.chatId = chatId;
    S.replyTo = null;
    S.unread.delete(chatId);
    localStorage.setItem("gridbot.chat", String(chatId));
    $("#app").classList.add("in-chat");
    renderHeader();
    renderList();
    renderComposer();
    try {
      const data = await call(`/sandbox/chats/${chatId}`);
      if (S.chatId !== chatId) return;
      const known = S.msgs.get(chatId) || new Map();
      const merged = new Map(data.messages.map((m) => [m.id, m]));
      const newest = data.messages.length ? data.messages[data.messages.length - 1].id : 0;
      for (const [id, view] of known) { // events that overtook the snapshot
        const there = merged.get(id);
        if ((there && view.edits > there.edits) || (!there && id > newest)) merged.set(id, view);
      }
      S.msgs.set(chatId, new Map([...merged.entries()].sort((a, b) => a[0] - b[0])));
      renderMessages(keepScroll);
    } catch (error) { fail(error); }
  }

  function renderHeader() {
    const id = S.chatId;
    const group = S.groups.get(id);
    const kind = group ? group.kind : "private";
    const avatar = $("#chat-avatar");
    avatar.className = `avatar k-${kind}`;
    avatar.textContent = KIND_CHAR[kind] || "群";
    $("#chat-title").textContent = chatTitle(id);
    let sub = "与网格通机器人的私聊";
    if (group) {
      const names = group.members.map((m) => S.people.get(m)?.name).filter(Boolean);
      sub = `${group.kind_label}${names.length ? ` · 成员：${names.join("、")}` : ""} · 网格通`;
    }
    $("#chat-sub").textContent = sub;
    $("#me-pill").textContent = `我：${S.me.name}`;
    $("#me-pill").title = `现在的身份：${S.me.name}（${S.me.role_label}）。点这里切换身份`;
  }

  function renderComposer() {
    const member = isMember(S.chatId);
    $("#composer").hidden = !member;
    const bar = $("#readonly");
    bar.hidden = member;
    bar.textContent = "";
    if (!member) {
      const group = S.groups.get(S.chatId);
      bar.append(el("span", { text: `${S.me.name}不是本群成员，只能旁观。` }));
      const first = group && S.people.get(group.members[0]);
      if (first) {
        bar.append(el("button", { type: "button", onclick: () => setMe(first.id, group.id), text: `切换为 ${first.name}（${first.role_label}）` }));
      }
    }
    $("#replying").hidden = !S.replyTo;
    $("#attach-menu").hidden = true;
    renderExamplesBar();
  }

  function renderExamplesBar() {
    const bar = $("#examples-bar");
    const messages = S.msgs.get(S.chatId);
    const show = S.me.kind === "resident" && S.chatId === S.me.id && messages && messages.size > 0;
    bar.hidden = !show;
    bar.textContent = "";
    if (!show) return;
    bar.append(el("span", { text: "示例：" }));
    for (const example of S.state.examples) {
      bar.append(el("button", { type: "button", class: "chip", title: example.text, onclick: () => sendText(example.text), text: example.label }));
    }
  }

  function renderMessages(keepScroll = false) {
    const box = $("#messages");
    const scroll = box.scrollTop;
    box.textContent = "";
    box.dataset.chat = String(S.chatId); // which chat these bubbles are (the page's tests wait on it)
    const messages = [...(S.msgs.get(S.chatId) || new Map()).values()].filter((m) => !m.deleted);
    if (!messages.length) box.append(emptyState());
    let lastDay = null;
    for (const view of messages) {
      const day = view.date ? fmtDay.format(new Date(view.date * 1000)) : null;
      if (day && day !== lastDay) {
        box.append(el("div", { class: "day" }, el("span", { text: day })));
        lastDay = day;
      }
      box.append(bubble(view));
    }
    renderKeyboard(messages);
    renderExamplesBar();
    if (keepScroll) box.scrollTop = scroll; else box.scrollTop = box.scrollHeight;
  }

  function emptyState() {
    const me = S.me;
    if (S.chatId === me.id && me.kind === "resident") {
      const next = S.state.guide[1];
      return el("div", { class: "empty", id: "first-run" },
        el("h3", { text: `👋 你好，${me.name}` }),
        el("p", { text: "这是居民和“网格通”机器人的私聊，就像微信公众号里的对话。点一条示例投诉，一键发出：" }),
        el("div", { class: "examples" }, S.state.examples.map((example) =>
          el("button", { type: "button", class: "example-btn", dataset: { text: example.text }, onclick: () => sendText(example.text) },
            el("span", { class: "label", text: example.label }), el("span", { text: example.text })))),
        el("p", { class: "muted", text: "也可以自己写一句，或点 📎 发送位置和照片。" }),
        next ? el("p", { class: "next" }, el("b", { text: "接下来：" }), next.text,
          next.as ? el("button", { type: "button", class: "linkish", onclick: () => setMe(next.as, next.chat), text: next.action || "切换" }) : null) : null,
        el("p", { class: "muted" }, "更多玩法见右上角 ", el("button", { type: "button", class: "linkish", onclick: showGuide, text: "💡 导览" }), "。"));
    }
    if (S.chatId === me.id) {
      const unitChat = me.chat_id;
      return el("div", { class: "empty" },
        el("h3", { text: `${me.name}，您好` }),
        el("p", { text: "工单卡片发在本单位的工作群里；超期提醒等只给您本人的消息会出现在这个私聊里。" }),
        el("p", {}, "在这里发 ", commandLink("/web"), " 得到网页工作台的登录链接。"),
        unitChat ? el("p", {}, el("button", { type: "button", class: "linkish", onclick: () => openChat(unitChat), text: `打开 ${chatTitle(unitChat)} 工作群` })) : null);
    }
    const resident = S.people.get(asWho(S.state.default_person));
    return el("div", { class: "empty" },
      el("h3", { text: "还没有消息" }),
      el("p", { text: "居民反映的问题会以工单卡片的形式发到负责单位的工作群里；卡片上的按钮（接单、办结、上报……）随工单的进展更新。" }),
      resident ? el("p", {}, el("button", { type: "button", class: "linkish", onclick: () => setMe(resident.id), text: `切换为居民 ${resident.name}，先反映一个问题` })) : null);
  }

  function bubble(view) {
    const group = S.groups.has(S.chatId);
    const out = !view.from_bot && view.sender.id === S.me.id;
    const member = isMember(S.chatId);
    const content = el("div", { class: "bubble" });
    if (view.reply_to) content.append(el("div", { class: "quote", text: `${view.reply_to.name}：${view.reply_to.text}` }));
    if (view.photo) { // opens at full size (a /chart picture is read there)
      content.append(el("a", { class: "photo-link", href: view.photo.url, target: "_blank", rel: "noopener", title: "查看原图" },
        el("img", { class: "photo", src: view.photo.url, alt: "照片", loading: "lazy" })));
    }
    if (view.document) content.append(fileCard(view.document));
    if (view.location) content.append(locationCard(view.location));
    if (view.text) content.append(el("div", { class: "text" }, richText(view.text, view.entities)));
    content.append(el("div", { class: "meta" },
      view.edits ? el("span", { class: "edited", text: "已编辑" }) : null,
      el("span", { text: view.date ? fmtTime.format(new Date(view.date * 1000)) : "" })));
    const body = el("div", { class: "body" });
    if (group && !out) { // names only where several people talk, as in any messenger
      body.append(el("div", { class: "name" }, view.sender.name, view.from_bot ? el("span", { class: "tag", text: "机器人" }) : null));
    }
    body.append(content);
    if (view.buttons && view.buttons.length) body.append(keyboardOf(view, member));
    const avatarKind = view.from_bot ? "bot" : "person";
    const node = el("div", { class: `msg ${out ? "out" : "in"}`, dataset: { id: String(view.id) } },
      el("div", { class: `avatar small k-${avatarKind}`, text: view.from_bot ? "网" : (view.sender.name || "?").slice(0, 1) }),
      body);
    if (member && !out) {
      node.append(el("button", { type: "button", class: "reply-btn", title: "回复这条消息", "aria-label": "回复", onclick: () => startReply(view), text: "↩" }));
    }
    return node;
  }

  function keyboardOf(view, member) {
    return el("div", { class: "kb" }, view.buttons.map((row) => el("div", { class: "kb-row" }, row.map((button) => {
      if (button.url) {
        return el("button", { type: "button", class: "kb-btn url", title: button.url, onclick: () => toast(`这是一个链接按钮：${button.url}（演示里不打开外部网站）`), text: button.text });
      }
      return el("button", {
        type: "button", class: "kb-btn", disabled: !member, title: member ? null : "切换为本群成员才能按",
        dataset: { data: button.data || "" },
        onclick: (event) => press(view, button, event.currentTarget),
        text: button.text,
      });
    }))));
  }

  // A file the bot sent (the /export workbook, a reminder's CSV list): saved under its name.
  function fileCard(file) {
    const kind = /\.(xlsx|xls|csv)$/i.test(file.name) ? "表格" : "文件";
    return el("a", { class: "file", href: file.url, download: file.name, title: `下载 ${file.name}` },
      el("span", { class: "file-icon", "aria-hidden": "true", text: kind === "表格" ? "📊" : "📄" }),
      el("span", { class: "file-meta" },
        el("span", { class: "file-name", text: file.name }),
        el("small", { text: `${kind}${file.size ? ` · ${fileSize(file.size)}` : ""} · 点击下载` })));
  }

  function fileSize(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10240 ? 1 : 0)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  function locationCard(location) {
    const near = nearestPlace(location);
    return el("div", { class: "loc" }, el("div", { class: "map" }),
      el("div", { class: "coords", text: `📍 ${location.lat.toFixed(5)}, ${location.lon.toFixed(5)}${near ? ` · ${near}附近` : ""}` }));
  }

  function nearestPlace({ lat, lon }) {
    let best = null; let bestDistance = Infinity;
    for (const place of S.state.places) {
      const d = (place.lat - lat) ** 2 + ((place.lon - lon) * Math.cos(lat * Math.PI / 180)) ** 2;
      if (d < bestDistance) { bestDistance = d; best = place; }
    }
    return best && Math.sqrt(bestDistance) < 0.01 ? best.name : null; // within about 1 km
  }

  // Text with Telegram entities (offsets are UTF-16 units, as JavaScript strings are).
  function richText(text, entities) {
    const fragment = document.createDocumentFragment();
    const spans = (entities || []).filter((e) => ["bold", "italic", "underline", "strikethrough", "code", "pre", "text_link", "url", "bot_command", "spoiler"].includes(e.type));
    const cuts = new Set([0, text.length]);
    for (const e of spans) { cuts.add(e.offset); cuts.add(e.offset + e.length); }
    const points = [...cuts].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
    for (let i = 0; i < points.length - 1; i += 1) {
      const [start, end] = [points[i], points[i + 1]];
      const piece = text.slice(start, end);
      let node = spans.some((e) => e.offset <= start && e.offset + e.length >= end) ? document.createTextNode(piece) : linked(piece);
      for (const e of spans.filter((s) => s.offset <= start && s.offset + s.length >= end)) {
        node = wrap(e, node, piece);
      }
      fragment.append(node);
    }
    return fragment;
  }

  function wrap(entity, inner, piece) {
    const tags = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre", spoiler: "span" };
    if (entity.type === "bot_command") return commandLink(piece);
    if (entity.type === "text_link" || entity.type === "url") {
      const href = entity.type === "url" ? piece : entity.url;
      if (!/^https?:\/\//.test(href || "")) return inner;
      return link(href, inner);
    }
    return el(tags[entity.type] || "span", {}, inner);
  }

  // Addresses in the bot's words are links, as Telegram makes them; the rest may hold commands.
  function linked(text) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(/https?:\/\/[^\s，。；！？、）)】"'<>]+/g)) {
      fragment.append(tappable(text.slice(last, match.index)), link(match[0], match[0]));
      last = match.index + match[0].length;
    }
    fragment.append(tappable(text.slice(last)));
    return fragment;
  }

  // The dashboard's links (/web) name the address the bot knows (127.0.0.1); the visitor may
  // have opened this page from a phone as 192.168.x.y: the link goes to that host, same port.
  function link(href, inner) {
    let target = href;
    const base = S.state && S.state.dashboard;
    if (base && (href === base || href.startsWith(`${base}/`))) {
      const url = new URL(href);
      url.hostname = location.hostname;
      target = url.href;
    }
    const shown = typeof inner === "string" ? (target === href ? inner : target) : inner;
    return el("a", { href: target, target: "_blank", rel: "noopener noreferrer", class: "url" }, shown);
  }

  // /commands in the bot's words can be tapped, as in Telegram.
  function tappable(text) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(/(^|[\s（(，。：])(\/[a-z_]{2,32})(?![a-z_])/g)) {
      const start = match.index + match[1].length;
      fragment.append(text.slice(last, start), commandLink(match[2]));
      last = start + match[2].length;
    }
    fragment.append(text.slice(last));
    return fragment;
  }

  function commandLink(command) {
    return el("a", { class: "cmd", title: "点一下发送", onclick: () => { if (isMember(S.chatId)) sendText(command); }, text: command });
  }

  function renderKeyboard(messages) {
    const box = $("#keyboard");
    box.textContent = "";
    const lastBot = [...messages].reverse().find((m) => m.from_bot);
    const rows = lastBot && lastBot.keyboard;
    box.hidden = !rows || !rows.length;
    if (!rows) return;
    for (const row of rows) {
      box.append(el("div", { class: "kb-row" }, row.map((text) => el("button", { type: "button", onclick: () => sendText(text), text }))));
    }
  }

  // ── what the user does ────────────────────────────────────────────────────────────────
  async function sendText(text) {
    text = (text || "").trim();
    if (!text) return;
    const body = { as: S.me.id, chat_id: S.chatId, text };
    if (S.replyTo) body.reply_to = S.replyTo.id;
    try {
      const { message } = await call("/sandbox/send", body);
      upsert(message.chat_id, message, "message");
      S.replyTo = null;
      $("#replying").hidden = true;
    } catch (error) { fail(error); }
  }

  async function press(view, button, node) {
    node.classList.add("busy");
    try {
      const { callback_query_id: id } = await call("/sandbox/press", { as: S.me.id, chat_id: view.chat_id, message_id: view.id, data: button.data });
      S.pending.set(id, node);
      setTimeout(() => { if (S.pending.delete(id)) node.classList.remove("busy"); }, 10000);
    } catch (error) {
      node.classList.remove("busy");
      fail(error);
    }
  }

  async function sendLocation(body) {
    $("#location-dialog").close();
    try {
      const { message } = await call("/sandbox/location", { as: S.me.id, chat_id: S.chatId, ...body });
      upsert(message.chat_id, message, "message");
    } catch (error) { fail(error); }
  }

  async function sendPhoto(file) {
    try {
      let result;
      if (file) {
        const form = new FormData();
        form.append("as", String(S.me.id));
        form.append("chat_id", String(S.chatId));
        form.append("photo", file, file.name || "photo.jpg");
        result = await call("/sandbox/photo", form);
      } else {
        result = await call("/sandbox/photo", { as: S.me.id, chat_id: S.chatId, sample: true });
      }
      upsert(result.message.chat_id, result.message, "message");
    } catch (error) { fail(error); }
  }

  function startReply(view) {
    S.replyTo = view;
    $("#replying-text").textContent = `回复 ${view.from_bot ? "网格通" : view.sender.name}：${summary(view).slice(0, 60)}`;
    $("#replying").hidden = false;
    $("#text").focus();
  }

  // ── live updates ──────────────────────────────────────────────────────────────────────
  // A WebSocket; where one cannot be opened at all (a proxy that drops upgrades), server-sent events.
  function connect() {
    let opened = false;
    let socket;
    try {
      socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/sandbox/ws`);
    } catch (error) {
      connectEvents();
      return;
    }
    socket.onopen = () => { opened = true; S.socketWorks = true; };
    socket.onmessage = (event) => handle(JSON.parse(event.data));
    socket.onclose = () => {
      if (!opened && !S.socketWorks) { connectEvents(); return; }
      disconnected();
      setTimeout(connect, 2000);
    };
  }

  function connectEvents() {
    const source = new EventSource("/sandbox/events");
    source.onmessage = (event) => handle(JSON.parse(event.data));
    source.onerror = disconnected; // EventSource reconnects by itself
  }

  function disconnected() {
    if (S.connected) { S.connected = false; statusLine("与演示服务器的连接断了，正在重连……"); }
  }

  function handle(event) {
    switch (event.type) {
      case "hello":
        S.connected = true;
        statusLine(null);
        setClock(event.clock);
        if (S.helloSeen) resync(); // reconnected: catch up on what was missed
        S.helloSeen = true;
        break;
      case "message":
      case "edit":
        upsert(event.chat_id, event.message, event.type);
        if (event.type === "message") offerNextStep(event.chat_id, event.message);
        break;
      case "delete": {
        const messages = S.msgs.get(event.chat_id);
        if (messages) messages.delete(event.message_id);
        if (event.chat_id === S.chatId) document.querySelector(`.msg[data-id="${event.message_id}"]`)?.remove();
        break;
      }
      case "callback_answer": {
        const node = S.pending.get(event.answer.callback_query_id);
        if (node) {
          S.pending.delete(event.answer.callback_query_id);
          node.classList.remove("busy");
          if (event.answer.text) toast(event.answer.text, event.answer.show_alert);
        }
        break;
      }
      case "chat_action":
        if (event.chat_id === S.chatId) typing();
        break;
      case "clock":
        setClock(event.clock);
        break;
      default:
    }
  }

  function upsert(chatId, view, kind) {
    const messages = S.msgs.get(chatId);
    const known = messages && messages.get(view.id);
    if (known && known.edits > view.edits) return; // an older copy
    if (messages) messages.set(view.id, view);
    const last = S.last.get(chatId);
    if (!last || last.id <= view.id) S.last.set(chatId, view);
    if (chatId === S.chatId && kind === "message" && !known && view.prompt && view.prompt.for.includes(S.me.id)) {
      startReply(view); // as a Telegram client does with a ForceReply that names you
    }
    if (chatId === S.chatId) {
      const box = $("#messages");
      const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
      const existing = box.querySelector(`.msg[data-id="${view.id}"]`);
      if (existing) {
        const fresh = bubble(view);
        if (kind === "edit") fresh.classList.add("flash");
        existing.replaceWith(fresh);
      } else {
        renderMessages(!nearBottom && !(view.sender && view.sender.id === S.me.id));
      }
    } else if (kind === "message" && !known && (chatId === S.me.id || S.groups.has(chatId)) && !(view.sender && view.sender.id === S.me.id && !view.from_bot)) {
      S.unread.set(chatId, (S.unread.get(chatId) || 0) + 1);
    }
    renderList();
  }

  let typingTimer = null;
  function typing() {
    $("#chat-sub").textContent = "对方正在输入…";
    clearTimeout(typingTimer);
    typingTimer = setTimeout(renderHeader, 2500);
  }

  // ── small UI pieces ───────────────────────────────────────────────────────────────────
  let toastTimer = null;
  function toast(text, alert = false) {
    const node = $("#toast");
    node.textContent = text;
    node.classList.toggle("alert", !!alert);
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { node.hidden = true; }, alert ? 6000 : 3200);
  }

  function statusLine(text) {
    let node = document.getElementById("status-line");
    if (!text) { node?.remove(); return; }
    if (!node) {
      node = el("div", { id: "status-line", class: "status-line" });
      $("#chat-list").before(node);
    }
    node.textContent = text;
  }

  // A guide step for "the resident" means the resident the visitor played last.
  const asWho = (id) => (S.people.get(id)?.kind === "resident" && S.lastResident ? S.lastResident : id);

  // When the bot posts a ticket's card into a unit's chat while the visitor plays a resident,
  // offer to become someone of that unit: the next step of the story.
  function offerNextStep(chatId, view) {
    const group = S.groups.get(chatId);
    if (S.me.kind !== "resident" || !group || !view.from_bot || !view.buttons.length || !/工单/.test(view.text)) return;
    const who = S.people.get(group.members[0]);
    if (!who) return;
    const hint = $("#hint");
    hint.textContent = "";
    hint.append(
      el("span", { text: `工单已发到【${group.title}】工作群。` }),
      el("button", { type: "button", class: "hint-go", onclick: () => { hint.hidden = true; setMe(who.id, group.id); }, text: `切换为 ${who.name}（${who.role_label}）去接单` }),
      el("button", { type: "button", class: "icon-btn", "aria-label": "关闭", onclick: () => { hint.hidden = true; }, text: "✕" }));
    hint.hidden = false;
  }

  function showGuide() {
    const list = $("#guide");
    list.textContent = "";
    for (const step of S.state.guide) {
      list.append(el("li", {}, step.text,
        step.action && step.as ? el("button", { type: "button", onclick: () => { $("#guide-dialog").close(); setMe(asWho(step.as), step.chat); }, text: step.action }) : null));
    }
    $("#guide-dialog").showModal();
  }

  function showLocation() {
    const box = $("#places");
    box.textContent = "";
    for (const place of S.state.places) {
      box.append(el("button", { type: "button", class: "place", onclick: () => sendLocation({ place: place.name }) },
        place.name, el("small", { text: `${place.note ? `${place.note} · ` : ""}${place.lat.toFixed(4)}, ${place.lon.toFixed(4)}` })));
    }
    const [first] = S.state.places; // typed coordinates start near a grid of this district
    if (first && !$("#lat").value && !$("#lon").value) {
      $("#lat").value = (first.lat - 0.0005).toFixed(4);
      $("#lon").value = first.lon.toFixed(4);
    }
    $("#location-dialog").showModal();
  }

  function bindControls() {
    $("#who").addEventListener("change", (event) => setMe(Number(event.target.value)));
    $("#filter").addEventListener("input", (event) => { S.filter = event.target.value; renderList(); });
    $("#back").addEventListener("click", () => { $("#app").classList.remove("in-chat"); });
    $("#me-pill").addEventListener("click", () => { $("#app").classList.remove("in-chat"); $("#who").focus(); });
    $("#btn-fast").addEventListener("click", () => setScale(S.clock.scale > 1 ? 1 : 3600));
    $("#btn-jump").addEventListener("click", () => jump(24));
    $("#btn-guide").addEventListener("click", showGuide);
    const text = $("#text");
    const submit = () => { const value = text.value; text.value = ""; grow(); sendText(value); };
    const grow = () => { text.style.height = "auto"; text.style.height = `${Math.min(text.scrollHeight, 140)}px`; };
    text.addEventListener("input", grow);
    text.addEventListener("keydown", (event) => {
      // Enter sends; Shift+Enter is a new line; Enter that picks an IME candidate does neither.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        submit();
      }
    });
    $("#btn-send").addEventListener("click", submit);
    $("#btn-attach").addEventListener("click", () => { $("#attach-menu").hidden = !$("#attach-menu").hidden; });
    $("#attach-menu").addEventListener("click", (event) => {
      const act = event.target.closest("button")?.dataset.act;
      $("#attach-menu").hidden = true;
      if (act === "location") showLocation();
      if (act === "sample") sendPhoto(null);
      if (act === "upload") $("#file").click();
    });
    $("#file").addEventListener("change", (event) => {
      const [file] = event.target.files;
      if (file) sendPhoto(file);
      event.target.value = "";
    });
    $("#send-latlon").addEventListener("click", () => sendLocation({ lat: Number($("#lat").value), lon: Number($("#lon").value) }));
    $("#replying-cancel").addEventListener("click", () => { S.replyTo = null; $("#replying").hidden = true; });
    document.addEventListener("click", (event) => {
      if (!event.target.closest("#attach-menu") && !event.target.closest("#btn-attach")) $("#attach-menu").hidden = true;
    });
  }

  init().catch((error) => {
    document.body.prepend(el("p", { class: "status-line", text: `页面加载失败：${error.message}` }));
  });
})();
