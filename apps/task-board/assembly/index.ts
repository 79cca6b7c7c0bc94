// task-board: a kanban board shared by the members of a context.
//
// State (under the root map):
//   "columns"    list     column names, in display order (set by init, extended by add_column)
//   "tasks"      map      task id -> map {"title","column","created_by","created_at","completed",
//                                         "completed_at"} + set "assignees"
//   "completed"  counter  number of tasks ever completed
//
// Methods:
//   init        {"columns"?: [string]}              default ["todo", "doing", "done"]
//   add_column  {"name": string}                    -> board columns
//   add_task    {"title": string, "column"?: name}  -> task      emits "task_added"
//   move_task   {"id", "column"}                    -> task      emits "task_moved"
//   assign      {"id", "who"}                       -> task
//   unassign    {"id", "who"}                       -> task
//   complete    {"id"}                              -> task      emits "task_completed" (once)
//   remove_task {"id"}                              -> true|false
//   task        {"id"}                              -> task
//   board       {}  -> {"columns": [{"name", "tasks": [task]}], "completed": n, "total": n}
// A task is {"id","title","column","assignees":[...],"completed","created_by","created_at","completed_at"}.
import {
  args, returnJson, returnString, emit, panic, now, executorIdHex, randomBytes, toHex, Root,
  JSON, JSONWriter, PersistentMap,
} from "../../../sdk/assemblyscript";

function defaultColumns(): string[] {
  return ["todo", "doing", "done"];
}
const MAX_TITLE = 500;

function columnNames(): string[] {
  return Root.list("columns").values();
}

function requireColumn(name: string): void {
  const cols = columnNames();
  if (!cols.includes(name)) panic("no column " + JSON.quote(name) + "; columns are " + columnsJson(cols));
}

function columnsJson(cols: string[]): string {
  const w = new JSONWriter().beginArray();
  for (let i = 0; i < cols.length; i++) w.string(unchecked(cols[i]));
  return w.endArray().toString();
}

function taskMap(id: string): PersistentMap {
  return Root.map("tasks").map(id);
}

/** True when task `id` is live: its key is in "tasks" (removal tombstones it) and it has a title. */
function taskExists(id: string): bool {
  return Root.map("tasks").has(id) && taskMap(id).get("title") !== null;
}

/** The task's map; panics when there is no such task. */
function requireTask(id: string): PersistentMap {
  if (!taskExists(id)) panic("no task " + JSON.quote(id));
  return taskMap(id);
}

function writeTask(w: JSONWriter, id: string, t: PersistentMap): void {
  w.beginObject();
  w.fieldString("id", id);
  w.fieldString("title", t.getOr("title", ""));
  w.fieldString("column", t.getOr("column", ""));
  w.key("assignees").beginArray();
  const who = t.nestedSet("assignees").values();
  for (let i = 0; i < who.length; i++) w.string(unchecked(who[i]));
  w.endArray();
  w.fieldBool("completed", t.get("completed") == "true");
  w.fieldStringOrNull("created_by", t.get("created_by"));
  w.key("created_at").raw(t.getOr("created_at", "null"));
  w.key("completed_at").raw(t.getOr("completed_at", "null"));
  w.endObject();
}

function returnTask(id: string, t: PersistentMap): void {
  const w = new JSONWriter();
  writeTask(w, id, t);
  returnJson(w);
}

function taskEvent(kind: string, id: string, t: PersistentMap): void {
  const w = new JSONWriter();
  writeTask(w, id, t);
  emit(kind, w.toString());
}

export function init(): void {
  const a = args();
  const given = a.getArrayOrNull("columns");
  const cols = given === null ? defaultColumns() : given.toStrings();
  if (cols.length == 0) panic("a board needs at least one column");
  const list = Root.list("columns");
  // The ABI calls init once at creation; refuse a second call rather than duplicating columns.
  if (list.length() > 0) panic("the board is already initialized");
  for (let i = 0; i < cols.length; i++) {
    const name = unchecked(cols[i]);
    if (name.length == 0) panic("column names must not be empty");
    for (let j = 0; j < i; j++) {
      if (unchecked(cols[j]) == name) panic("duplicate column " + JSON.quote(name));
    }
    list.push(name);
  }
}

export function add_column(): void {
  const name = args().getString("name");
  if (name.length == 0) panic("column names must not be empty");
  const cols = columnNames();
  if (cols.includes(name)) panic("column " + JSON.quote(name) + " already exists");
  Root.list("columns").push(name);
  cols.push(name);
  returnString(columnsJson(cols));
}

export function add_task(): void {
  const a = args();
  const title = a.getString("title");
  if (title.trim().length == 0) panic("title must not be empty");
  if (title.length > MAX_TITLE) panic("title longer than " + MAX_TITLE.toString() + " characters");
  let column = a.getStringOrNull("column");
  if (column === null) {
    const cols = columnNames();
    if (cols.length == 0) panic("the board has no columns");
    column = cols[0];
  } else {
    requireColumn(column);
  }
  const id = toHex(randomBytes(8));
  const t = taskMap(id);
  t.set("title", title);
  t.set("column", column);
  t.set("completed", "false");
  t.set("created_by", executorIdHex());
  t.set("created_at", now().toString());
  taskEvent("task_added", id, t);
  returnTask(id, t);
}

export function move_task(): void {
  const a = args();
  const id = a.getString("id");
  const column = a.getString("column");
  const t = requireTask(id);
  requireColumn(column);
  t.set("column", column);
  taskEvent("task_moved", id, t);
  returnTask(id, t);
}

export function assign(): void {
  const a = args();
  const id = a.getString("id");
  const who = a.getString("who");
  if (who.length == 0) panic("who must not be empty");
  const t = requireTask(id);
  t.nestedSet("assignees").add(who);
  returnTask(id, t);
}

export function unassign(): void {
  const a = args();
  const id = a.getString("id");
  const t = requireTask(id);
  t.nestedSet("assignees").remove(a.getString("who"));
  returnTask(id, t);
}

export function complete(): void {
  const id = args().getString("id");
  const t = requireTask(id);
  if (t.get("completed") != "true") {
    t.set("completed", "true");
    t.set("completed_at", now().toString());
    Root.counter("completed").increment();
    taskEvent("task_completed", id, t);
  }
  returnTask(id, t);
}

export function remove_task(): void {
  const id = args().getString("id");
  const existed = taskExists(id);
  if (existed) Root.map("tasks").remove(id);
  returnJson(existed);
}

export function task(): void {
  const id = args().getString("id");
  returnTask(id, requireTask(id));
}

// Creation times of the tasks being sorted by `board` (AssemblyScript has no closures).
const createdAt = new Map<string, i64>();

function byCreation(x: string, y: string): i32 {
  const tx = createdAt.get(x);
  const ty = createdAt.get(y);
  if (tx != ty) return tx < ty ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function board(): void {
  const cols = columnNames();
  const tasks = Root.map("tasks");
  const ids = tasks.keys();

  // Bucket task ids by column, ordered by creation time (then id).
  const buckets = new Array<string[]>(cols.length);
  for (let c = 0; c < cols.length; c++) buckets[c] = new Array<string>();
  const times = createdAt;
  let total = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = unchecked(ids[i]);
    const t = tasks.map(id);
    if (t.get("title") === null) continue;
    total++;
    const created = t.get("created_at");
    times.set(id, created === null ? 0 : I64.parseInt(created));
    const c = cols.indexOf(t.getOr("column", ""));
    // Tasks whose column vanished are shown in the first column.
    buckets[c < 0 ? 0 : c].push(id);
  }

  const w = new JSONWriter().beginObject();
  w.key("columns").beginArray();
  for (let c = 0; c < cols.length; c++) {
    const bucket = buckets[c];
    bucket.sort(byCreation);
    w.beginObject().fieldString("name", unchecked(cols[c]));
    w.key("tasks").beginArray();
    for (let i = 0; i < bucket.length; i++) {
      const id = unchecked(bucket[i]);
      writeTask(w, id, tasks.map(id));
    }
    w.endArray().endObject();
  }
  w.endArray();
  w.fieldInteger("completed", Root.counter("completed").get());
  w.fieldInteger("total", total);
  returnJson(w.endObject());
}

