// The official SDK (@trigger.dev/sdk 4.8.3) as referee of the emulator.
//
// Every check calls the PUBLIC SDK API against the server at TRIGGER_API_URL. The SDK validates
// every response with its own zod schemas, so a shape the SDK cannot read fails the check with
// its own message (ApiSchemaValidationError names the failing field). Each check prints one line
// `REFEREE {"name", "ok", "error"?}` and the script never stops at the first failure: checks
// that need an earlier result say which one they are missing.
//
// Environment: TRIGGER_API_URL, TRIGGER_SECRET_KEY (an environment's secret key),
// REFEREE_PROJECT_REF and REFEREE_ENV_SLUG (for the env-var routes, which take them in the path).

import {
  ApiError,
  batch,
  configure,
  deployments,
  envvars,
  query,
  queues,
  runs,
  schedules,
  tasks,
  wait,
} from "@trigger.dev/sdk";

const baseURL = process.env.TRIGGER_API_URL;
const accessToken = process.env.TRIGGER_SECRET_KEY;
const projectRef = process.env.REFEREE_PROJECT_REF ?? "proj_demo";
const envSlug = process.env.REFEREE_ENV_SLUG ?? "prod";
const CHECK_TIMEOUT_MS = 20_000;

// One attempt: a 404 with x-should-retry: true would otherwise wait about 9 s, and a failure
// should be reported, not retried away.
configure({ baseURL, accessToken, requestOptions: { retry: { maxAttempts: 1 } } });

const TASK = "send-email";
const SCHEDULED_TASK = "cleanup-sessions";
const state = {};

class Missing extends Error {}

function need(key) {
  if (state[key] === undefined) throw new Missing(`needs '${key}', which an earlier check failed to make`);
  return state[key];
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

function describe(err) {
  if (err instanceof Missing) return err.message;
  const parts = [];
  parts.push(`${err?.constructor?.name ?? "Error"}${err?.status ? ` ${err.status}` : ""}: ${err?.message ?? String(err)}`);
  if (err?.rawBody !== undefined) parts.push(`rawBody: ${JSON.stringify(err.rawBody).slice(0, 600)}`);
  if (err?.apiError) parts.push(`apiError: ${err.apiError.message}`);
  if (err?.phase) parts.push(`phase: ${err.phase}`);
  const cause = err?.cause && err.cause !== err.apiError ? (err.cause.message ?? String(err.cause)) : "";
  if (cause && !String(err.message).includes(cause)) parts.push(`cause: ${cause}`);
  return parts.join(" | ").slice(0, 2000);
}

async function check(name, fn) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([fn(), timeout]);
    console.log("REFEREE " + JSON.stringify({ name, ok: true }));
  } catch (err) {
    console.log("REFEREE " + JSON.stringify({ name, ok: false, error: describe(err) }));
  } finally {
    clearTimeout(timer);
  }
}

async function expectApiError(promise, status) {
  try {
    await promise;
  } catch (err) {
    expect(err instanceof ApiError, `expected an ApiError ${status}, got ${describe(err)}`);
    expect(err.status === status, `expected status ${status}, got ${err.status}: ${err.message}`);
    return err;
  }
  throw new Error(`expected an ApiError ${status}, but the call succeeded`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------------------------- runs
await check("runs.list.autoPaginate", async () => {
  const seen = new Set();
  let pages = 0;
  let page = await runs.list({ limit: 10 });
  for (;;) {
    pages += 1;
    for (const run of page.data) seen.add(run.id);
    if (pages >= 4 || !page.hasNextPage()) break;
    page = await page.getNextPage();
  }
  expect(pages >= 3, `only ${pages} page(s) of 10 runs`);
  let iterated = 0;
  for await (const run of runs.list({ limit: 10 })) {
    expect(typeof run.id === "string", "a run without id");
    if (++iterated >= 35) break;
  }
  expect(iterated === 35, `for await yielded ${iterated} runs, wanted 35 over 4 pages`);
  expect(seen.size === pages * 10, `${seen.size} distinct ids over ${pages} pages of 10`);
  state.listedRun = [...seen][0];
});

await check("runs.list.filters", async () => {
  const page = await runs.list({ status: ["COMPLETED", "FAILED"], taskIdentifier: [TASK], period: "1h", limit: 5 });
  for (const run of page.data) {
    expect(run.taskIdentifier === TASK, `filter taskIdentifier: got ${run.taskIdentifier}`);
    expect(["COMPLETED", "FAILED"].includes(run.status), `filter status: got ${run.status}`);
  }
});

await check("runs.retrieve", async () => {
  const id = need("listedRun");
  const run = await runs.retrieve(id);
  expect(run.id === id, `retrieved ${run.id}, asked ${id}`);
  expect(run.createdAt instanceof Date, "createdAt is not a date");
});

await check("runs.retrieve.notFound", async () => {
  await expectApiError(runs.retrieve("run_refereemissing000000000"), 404);
});

await check("tasks.trigger", async () => {
  const handle = await tasks.trigger(TASK, { to: "referee@example.com", n: 1 }, { tags: ["referee"] });
  expect(typeof handle.id === "string" && handle.id.startsWith("run_"), `id ${handle.id}`);
  const run = await runs.retrieve(handle.id);
  expect(run.payload?.to === "referee@example.com", `payload came back as ${JSON.stringify(run.payload)}`);
  expect(run.tags.includes("referee"), `tags ${JSON.stringify(run.tags)}`);
  state.triggered = handle.id;
});

await check("tasks.trigger.delayed", async () => {
  const handle = await tasks.trigger(TASK, { to: "later@example.com" }, { delay: "1h" });
  const run = await runs.retrieve(handle.id);
  expect(run.status === "DELAYED", `status ${run.status}, wanted DELAYED`);
  expect(run.delayedUntil instanceof Date, "no delayedUntil");
  state.delayed = handle.id;
  state.delayedUntil = run.delayedUntil;
});

await check("runs.reschedule", async () => {
  const id = need("delayed");
  const run = await runs.reschedule(id, { delay: "2h" });
  expect(run.id === id, `rescheduled ${run.id}`);
  expect(run.status === "DELAYED", `status ${run.status}`);
  expect(run.delayedUntil > need("delayedUntil"), "delayedUntil did not move later");
});

await check("runs.cancel", async () => {
  const id = need("delayed");
  const out = await runs.cancel(id);
  expect(out.id === id, `cancel answered ${out.id}`);
  const run = await runs.retrieve(id);
  expect(run.status === "CANCELED" && run.isCancelled, `status ${run.status} after cancel`);
});

await check("runs.replay", async () => {
  const id = need("triggered");
  const out = await runs.replay(id);
  expect(typeof out.id === "string" && out.id !== id, `replay answered ${out.id}`);
  const run = await runs.retrieve(out.id);
  expect(run.payload?.to === "referee@example.com", `replayed payload ${JSON.stringify(run.payload)}`);
});

await check("runs.replay.withOptions", async () => {
  const id = need("triggered");
  const out = await runs.replay(id, { tags: ["replayed"], payload: { to: "other@example.com" } });
  const run = await runs.retrieve(out.id);
  expect(run.payload?.to === "other@example.com", `override payload ${JSON.stringify(run.payload)}`);
  expect(run.tags.includes("replayed"), `override tags ${JSON.stringify(run.tags)}`);
});

await check("runs.bulk.cancel", async () => {
  const a = await tasks.trigger(TASK, { n: "a" }, { delay: "1h" });
  const b = await tasks.trigger(TASK, { n: "b" }, { delay: "1h" });
  const out = await runs.bulk.cancel({ runIds: [a.id, b.id], name: "referee" });
  expect(typeof out.id === "string", "no bulk action id");
  state.bulk = out.id;
  state.bulkRuns = [a.id, b.id];
});

await check("runs.bulk.retrieve", async () => {
  const action = await runs.bulk.retrieve(need("bulk"));
  expect(action.type === "CANCEL", `type ${action.type}`);
  expect(action.counts.total === 2, `counts ${JSON.stringify(action.counts)}`);
});

await check("runs.bulk.poll", async () => {
  const action = await runs.bulk.poll(need("bulk"), { pollIntervalMs: 250 });
  expect(action.status === "COMPLETED", `status ${action.status}`);
  for (const id of need("bulkRuns")) {
    const run = await runs.retrieve(id);
    expect(run.status === "CANCELED", `${id} is ${run.status} after the bulk cancel`);
  }
});

await check("runs.bulk.list", async () => {
  const page = await runs.bulk.list({ limit: 5 });
  expect(page.data.some((a) => a.id === state.bulk), "the new bulk action is not listed");
});

// ------------------------------------------------------------------------------------- batches
await check("tasks.batchTrigger", async () => {
  const out = await tasks.batchTrigger(TASK, [{ payload: { i: 1 } }, { payload: { i: 2 }, options: { tags: ["b"] } }]);
  expect(typeof out.batchId === "string", "no batchId");
  expect(out.runCount === 2, `runCount ${out.runCount}`);
  state.batch = out.batchId;
});

await check("batch.retrieve", async () => {
  // The runs of a sealed batch are created in the background: poll until they all exist.
  let out = await batch.retrieve(need("batch"));
  for (let i = 0; i < 40 && out.runs.length < out.runCount; i++) {
    await sleep(250);
    out = await batch.retrieve(state.batch);
  }
  expect(out.id === state.batch, `retrieved ${out.id}`);
  expect(out.runCount === 2 && out.runs.length === 2, `runCount ${out.runCount}, runs ${out.runs.length} after 10 s (status ${out.status})`);
  const run = await runs.retrieve(out.runs[0]);
  expect(run.batchId === state.batch, `run.batchId ${run.batchId}`);
});

// ------------------------------------------------------------------------------------- schedules
await check("schedules.create", async () => {
  const s = await schedules.create({ task: SCHEDULED_TASK, cron: "0 * * * *", deduplicationKey: "referee", timezone: "Europe/Paris", externalId: "ref_1" });
  expect(s.type === "IMPERATIVE" && s.active, `type ${s.type}, active ${s.active}`);
  expect(s.generator.expression === "0 * * * *", `expression ${s.generator.expression}`);
  state.schedule = s.id;
});

await check("schedules.list", async () => {
  const page = await schedules.list({ perPage: 2 });
  let total = 0;
  let found = false;
  for await (const s of schedules.list({ perPage: 2 })) {
    total += 1;
    if (s.id === state.schedule) found = true;
    if (total > 200) break;
  }
  expect(found, "the created schedule is not listed");
  expect(total >= page.data.length, "iteration yielded fewer than the first page");
});

await check("schedules.retrieve", async () => {
  const s = await schedules.retrieve(need("schedule"));
  expect(s.timezone === "Europe/Paris", `timezone ${s.timezone}`);
});

await check("schedules.update", async () => {
  const s = await schedules.update(need("schedule"), { task: SCHEDULED_TASK, cron: "30 2 * * 1", timezone: "UTC" });
  expect(s.generator.expression === "30 2 * * 1", `expression ${s.generator.expression}`);
});

await check("schedules.deactivate", async () => {
  const s = await schedules.deactivate(need("schedule"));
  expect(s.active === false, `active ${s.active}`);
});

await check("schedules.activate", async () => {
  const s = await schedules.activate(need("schedule"));
  expect(s.active === true, `active ${s.active}`);
});

await check("schedules.del", async () => {
  await schedules.del(need("schedule"));
  await expectApiError(schedules.retrieve(state.schedule), 404);
});

await check("schedules.timezones", async () => {
  const { timezones } = await schedules.timezones();
  expect(timezones[0] === "UTC" && timezones.includes("Europe/Paris"), `timezones ${timezones.slice(0, 3)}`);
  const without = await schedules.timezones({ excludeUtc: true });
  expect(!without.timezones.includes("UTC"), "excludeUtc kept UTC");
});

// ------------------------------------------------------------------------------------- env vars
await check("envvars.create", async () => {
  const out = await envvars.create(projectRef, envSlug, { name: "REFEREE_VAR", value: "one" });
  expect(out.success === true, `success ${out.success}`);
});

await check("envvars.list", async () => {
  const vars = await envvars.list(projectRef, envSlug);
  expect(vars.some((v) => v.name === "REFEREE_VAR" && v.value === "one"), "REFEREE_VAR is not listed");
});

await check("envvars.retrieve", async () => {
  const v = await envvars.retrieve(projectRef, envSlug, "REFEREE_VAR");
  expect(v.value === "one", `value ${v.value}`);
});

await check("envvars.upload", async () => {
  const out = await envvars.upload(projectRef, envSlug, { variables: { REFEREE_A: "1", REFEREE_B: "2" }, override: true });
  expect(out.success === true, `success ${out.success}`);
  const v = await envvars.retrieve(projectRef, envSlug, "REFEREE_B");
  expect(v.value === "2", `uploaded value ${v.value}`);
});

await check("envvars.del", async () => {
  const out = await envvars.del(projectRef, envSlug, "REFEREE_VAR");
  expect(out.success === true, `success ${out.success}`);
  await expectApiError(envvars.retrieve(projectRef, envSlug, "REFEREE_VAR"), 404);
});

// ------------------------------------------------------------------------------------- queues
await check("queues.list", async () => {
  const page = await queues.list({ perPage: 3 });
  expect(page.data.length > 0, "no queues");
  let total = 0;
  for await (const q of queues.list({ perPage: 3 })) {
    expect(typeof q.name === "string", "a queue without name");
    total += 1;
  }
  expect(total > page.data.length, `iteration over pages of 3 yielded ${total}`);
  state.queue = page.data[0];
});

await check("queues.retrieve.byId", async () => {
  const q = need("queue");
  const out = await queues.retrieve(q.id);
  expect(out.id === q.id && out.name === q.name, `retrieved ${out.id}/${out.name}`);
});

await check("queues.retrieve.byTaskName", async () => {
  const out = await queues.retrieve({ type: "task", name: "resize-image" });
  expect(out.type === "task" && out.name === "resize-image", `retrieved ${out.type}/${out.name}`);
});

await check("queues.pause", async () => {
  const out = await queues.pause({ type: "task", name: "resize-image" });
  expect(out.paused === true, `paused ${out.paused}`);
});

await check("queues.resume", async () => {
  const out = await queues.resume({ type: "task", name: "resize-image" });
  expect(out.paused === false, `paused ${out.paused}`);
});

await check("queues.overrideConcurrencyLimit", async () => {
  const out = await queues.overrideConcurrencyLimit({ type: "task", name: "resize-image" }, 2);
  expect(out.concurrencyLimit === 2, `concurrencyLimit ${out.concurrencyLimit}`);
});

await check("queues.resetConcurrencyLimit", async () => {
  const out = await queues.resetConcurrencyLimit({ type: "task", name: "resize-image" });
  expect(out.concurrency?.override == null, `override ${out.concurrency?.override}`);
});

// ------------------------------------------------------------------------------------- wait tokens
await check("wait.createToken", async () => {
  const token = await wait.createToken({ timeout: "1h", tags: ["referee"], idempotencyKey: "referee-token" });
  expect(typeof token.id === "string" && typeof token.url === "string", "no id/url");
  expect(token.isCached === false, `isCached ${token.isCached}`);
  const again = await wait.createToken({ timeout: "1h", tags: ["referee"], idempotencyKey: "referee-token" });
  expect(again.id === token.id && again.isCached === true, "the idempotency key did not return the same token");
  state.token = token.id;
});

await check("wait.listTokens", async () => {
  const page = await wait.listTokens({ status: ["WAITING"], tags: ["referee"], limit: 10 });
  expect(page.data.some((t) => t.id === state.token), "the new token is not listed");
});

await check("wait.retrieveToken", async () => {
  const t = await wait.retrieveToken(need("token"));
  expect(t.status === "WAITING", `status ${t.status}`);
});

await check("wait.completeToken", async () => {
  const out = await wait.completeToken(need("token"), { approved: true });
  expect(out.success === true, `success ${out.success}`);
  const t = await wait.retrieveToken(state.token);
  expect(t.status === "COMPLETED", `status ${t.status} after complete`);
  expect(t.output?.approved === true, `output ${JSON.stringify(t.output)}`);
});

// ------------------------------------------------------------------------------------- deployments
await check("deployments.retrieveCurrent", async () => {
  const d = await deployments.retrieveCurrent();
  expect(d.status === "DEPLOYED", `status ${d.status}`);
  state.currentVersion = d.version;
});

await check("deployments.list", async () => {
  const page = await deployments.list({ limit: 5 });
  expect(page.data.length > 0, "no deployments");
  const failed = await deployments.list({ status: "FAILED", period: "30d" });
  for (const d of failed.data) expect(d.status === "FAILED", `status filter gave ${d.status}`);
});

// ------------------------------------------------------------------------------------- query
await check("query.execute.json", async () => {
  const out = await query.execute("SELECT run_id, status, task_identifier FROM runs LIMIT 5");
  expect(out.format === "json" && Array.isArray(out.results), `format ${out.format}`);
  expect(out.results.length > 0 && "run_id" in out.results[0], `rows ${JSON.stringify(out.results.slice(0, 1))}`);
});

await check("query.execute.csv", async () => {
  const out = await query.execute("SELECT run_id, status FROM runs LIMIT 3", { format: "csv", period: "1d" });
  expect(out.format === "csv" && typeof out.results === "string", `format ${out.format}`);
  expect(out.results.split("\n")[0].includes("run_id"), `header ${out.results.split("\n")[0]}`);
});

await check("query.execute.aggregate", async () => {
  const out = await query.execute("SELECT task_identifier, count() AS runs FROM runs GROUP BY task_identifier ORDER BY runs DESC", { scope: "environment", from: new Date(Date.now() - 86_400_000), to: new Date() });
  expect(out.results.length > 0, "no groups");
  expect(typeof out.results[0].runs === "number", `count is ${typeof out.results[0].runs}`);
});

await check("query.execute.invalid", async () => {
  await expectApiError(query.execute("SELEC nonsense FROM nowhere"), 400);
});

// Let the tail of the event loop drain (the SDK may flush telemetry) without holding the run.
await sleep(10);
process.exit(0);
