// chat: one context is one room.
//
// State (under the root map):
//   "title"     register  room title (set by init)
//   "messages"  list      JSON {"author": hex, "time": ms, "text": string}
//   "reactions" map       message index -> map emoji -> set of reactor ids (hex)
//   "members"   map       member id (hex) -> map {"first_seen", "last_seen"} + counter "posts"
//
// Methods:
//   init         {"title"?: string}
//   post         {"text": string}                       -> {"index": n}     emits "message"
//   messages     {"limit"?: n (50, max 500), "before"?: index}
//                -> [{"index","author","time","text","reactions": {emoji: [ids]}}] oldest first
//   react        {"index": n, "emoji": string}          -> {emoji: [ids]}   emits "reaction"
//   unreact      {"index": n, "emoji": string}          -> {emoji: [ids]}
//   members_seen {}                                     -> {id: {"first_seen","last_seen","posts"}}
//   info         {}                                     -> {"title", "messages", "members"}
import {
  args, returnJson, emit, panic, now, executorIdHex, Root,
  JSON, JSONObject, JSONWriter, PersistentMap,
} from "../../../sdk/assemblyscript";

const MAX_TEXT = 4000;
const MAX_EMOJI = 32;
const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 500;

/** Records that the executor was active now. */
function touchMember(who: string, time: i64): PersistentMap {
  const m = Root.map("members").map(who);
  const t = time.toString();
  if (m.get("first_seen") === null) m.set("first_seen", t);
  m.set("last_seen", t);
  return m;
}

function messageIndex(a: JSONObject): i32 {
  const index = a.getInteger("index");
  const len = Root.list("messages").length();
  if (index < 0 || index >= <i64>len) {
    panic("no message with index " + index.toString() + " (the room has " + len.toString() + ")");
  }
  return <i32>index;
}

function emojiArg(a: JSONObject): string {
  const emoji = a.getString("emoji");
  if (emoji.length == 0 || emoji.length > MAX_EMOJI) panic("emoji must be 1 to " + MAX_EMOJI.toString() + " characters");
  return emoji;
}

/** Writes {emoji: [reactor ids]} for message `index`. */
function writeReactions(w: JSONWriter, index: i32): void {
  const byEmoji = Root.map("reactions").map(index.toString());
  const emojis = byEmoji.keys();
  w.beginObject();
  for (let i = 0; i < emojis.length; i++) {
    const emoji = unchecked(emojis[i]);
    const who = byEmoji.nestedSet(emoji).values();
    if (who.length == 0) continue;
    w.key(emoji).beginArray();
    for (let j = 0; j < who.length; j++) w.string(unchecked(who[j]));
    w.endArray();
  }
  w.endObject();
}

export function init(): void {
  const a = args();
  Root.register("title").set(a.getStringOr("title", "untitled room"));
}

export function post(): void {
  const text = args().getString("text");
  if (text.trim().length == 0) panic("text must not be empty");
  if (text.length > MAX_TEXT) panic("text longer than " + MAX_TEXT.toString() + " characters");
  const author = executorIdHex();
  const time = now();

  const msg = JSON.object().setString("author", author).setInteger("time", time).setString("text", text);
  const messages = Root.list("messages");
  messages.pushJson(msg);
  const index = messages.length() - 1;

  touchMember(author, time).counter("posts").increment();

  msg.setInteger("index", index);
  emit("message", msg.toString());
  returnJson(JSON.object().setInteger("index", index));
}

export function messages(): void {
  const a = args();
  let limit = a.getIntegerOr("limit", DEFAULT_LIMIT);
  if (limit < 0) limit = 0;
  if (limit > MAX_LIMIT) limit = MAX_LIMIT;
  const list = Root.list("messages");
  const len = <i64>list.length();
  let before = a.getIntegerOr("before", len);
  if (before > len) before = len;
  if (before < 0) before = 0;
  const from = before - limit < 0 ? <i64>0 : before - limit;

  const w = new JSONWriter().beginArray();
  for (let i = <i32>from; i < <i32>before; i++) {
    const stored = list.getJson(i);
    if (stored === null) break; // concurrent shrink; cannot happen within one call
    const m = stored.asObject();
    w.beginObject()
      .fieldInteger("index", i)
      .fieldString("author", m.getString("author"))
      .fieldInteger("time", m.getInteger("time"))
      .fieldString("text", m.getString("text"))
      .key("reactions");
    writeReactions(w, i);
    w.endObject();
  }
  returnJson(w.endArray());
}

function reactionResult(index: i32): void {
  const w = new JSONWriter();
  writeReactions(w, index);
  returnJson(w);
}

export function react(): void {
  const a = args();
  const index = messageIndex(a);
  const emoji = emojiArg(a);
  const who = executorIdHex();
  Root.map("reactions").map(index.toString()).nestedSet(emoji).add(who);
  touchMember(who, now());
  emit("reaction", JSON.object().setInteger("index", index).setString("emoji", emoji).setString("who", who).toString());
  reactionResult(index);
}

export function unreact(): void {
  const a = args();
  const index = messageIndex(a);
  const emoji = emojiArg(a);
  Root.map("reactions").map(index.toString()).nestedSet(emoji).remove(executorIdHex());
  reactionResult(index);
}

export function members_seen(): void {
  const members = Root.map("members");
  const ids = members.keys();
  const w = new JSONWriter().beginObject();
  for (let i = 0; i < ids.length; i++) {
    const id = unchecked(ids[i]);
    const m = members.map(id);
    w.key(id).beginObject();
    w.key("first_seen").raw(m.getOr("first_seen", "null"));
    w.key("last_seen").raw(m.getOr("last_seen", "null"));
    w.fieldInteger("posts", m.counter("posts").get());
    w.endObject();
  }
  returnJson(w.endObject());
}

export function info(): void {
  const w = new JSONWriter().beginObject();
  w.fieldStringOrNull("title", Root.register("title").get());
  w.fieldInteger("messages", Root.list("messages").length());
  w.fieldInteger("members", Root.map("members").size());
  returnJson(w.endObject());
}
