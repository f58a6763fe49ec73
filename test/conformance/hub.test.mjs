// Conformance: the real npm @huggingface/hub client, which nobody here wrote,
// against `hfwarden hubsim`. If the simulator drifts from the Hub's documented
// shapes, status codes or pagination, this client is what notices.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as hub from "@huggingface/hub";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const work = mkdtempSync(join(tmpdir(), "hfwarden-conformance-"));
const bin = join(work, "hfwarden");
const children = [];

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

// startSim runs `hfwarden hubsim` and resolves with its URL once it listens.
async function startSim(args = []) {
  const port = await freePort();
  const child = spawn(bin, ["hubsim", "--addr", `127.0.0.1:${port}`, "--rate-limit", "-1", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error("hubsim did not start: " + out)), 30000);
    const onData = (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => fail(new Error(`hubsim exited ${code}: ${out}`)));
  });
}

const MANY = 1200; // more than one page of listModels (the client asks 500 at a time)
let hubUrl, manyUrl, tokens;

before(async () => {
  execFileSync("go", ["build", "-o", bin, "./cmd/hfwarden"], { cwd: root, stdio: "inherit" });
  tokens = {};
  for (const t of JSON.parse(execFileSync(bin, ["hubsim", "--print-tokens"]).toString())) {
    tokens[`${t.user}:${t.kind}`] = t.token;
  }
  // A scenario with many public models of one author, for pagination.
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  let tok = "hf_";
  for (let i = 0; i < 34; i++) tok += letters[(i * 7 + 3) % letters.length];
  const scenario = {
    users: [{ name: "prolific", fullname: "Prolific Author" }],
    tokens: [{ token: tok, user: "prolific", kind: "classic", role: "read", displayName: "sim-prolific" }],
    repos: Array.from({ length: MANY }, (_, i) => ({
      id: `prolific/model-${String(i).padStart(4, "0")}`,
      type: "model",
      files: { "README.md": `# model ${i}\n` },
    })),
  };
  const scenarioPath = join(work, "many.json");
  writeFileSync(scenarioPath, JSON.stringify(scenario));
  [hubUrl, manyUrl] = await Promise.all([startSim(), startSim(["--scenario", scenarioPath])]);
});

after(() => {
  for (const c of children) c.kill();
  rmSync(work, { recursive: true, force: true });
});

const MODEL = "alice/sim-sentiment-model";

test("whoAmI: classic write, fine-grained, invalid", async () => {
  const w = await hub.whoAmI({ accessToken: tokens["alice:classic"], hubUrl });
  assert.equal(w.name, "alice");
  assert.equal(w.type, "user");
  assert.equal(w.auth.type, "access_token");
  assert.equal(w.auth.accessToken.role, "write");
  assert.ok(w.auth.accessToken.createdAt instanceof Date);
  assert.deepEqual(w.orgs.map((o) => o.name).sort(), ["acme", "research"]);

  const fg = await hub.whoAmI({ accessToken: tokens["alice:fineGrained"], hubUrl });
  assert.equal(fg.auth.accessToken.role, "fineGrained");
  assert.equal(fg.auth.accessToken.fineGrained.scoped[0].entity.name, "acme");
  assert.ok(fg.auth.accessToken.fineGrained.scoped[0].permissions.includes("repo.write"));

  await assert.rejects(
    hub.whoAmI({ accessToken: "hf_" + "Zy".repeat(17), hubUrl }),
    (e) => e.statusCode === 401,
  );
});

test("listModels follows Link pagination over several pages", async () => {
  const names = [];
  for await (const m of hub.listModels({ search: { owner: "prolific" }, hubUrl: manyUrl })) names.push(m.name);
  assert.equal(names.length, MANY);
  assert.equal(new Set(names).size, MANY);
  assert.ok(names.includes("prolific/model-1199"));
});

test("listModels shows private models to their owner only", async () => {
  const list = async (accessToken) => {
    const out = [];
    for await (const m of hub.listModels({ search: { owner: "acme" }, accessToken, hubUrl })) out.push(m);
    return out;
  };
  const asAlice = await list(tokens["alice:classic"]);
  const anonymous = await list(undefined);
  assert.ok(asAlice.some((m) => m.name === "acme/sim-internal-llm" && m.private === true));
  assert.ok(!anonymous.some((m) => m.private));
});

test("modelInfo", async () => {
  const m = await hub.modelInfo({ name: MODEL, hubUrl, additionalFields: ["sha", "author"] });
  assert.equal(m.name, MODEL);
  assert.equal(m.private, false);
  assert.match(m.sha, /^[0-9a-f]{40}$/);
  await assert.rejects(hub.modelInfo({ name: "acme/sim-internal-llm", hubUrl }), (e) => e.statusCode === 401);
});

test("listFiles", async () => {
  const files = [];
  for await (const f of hub.listFiles({ repo: MODEL, recursive: true, hubUrl })) files.push(f);
  const paths = files.filter((f) => f.type === "file").map((f) => f.path);
  assert.ok(paths.includes("README.md"));
  assert.ok(paths.includes("config.json"));
  for (const f of files) if (f.type === "file") assert.ok(f.size > 0, f.path);
});

test("listCommits and downloadFile agree", async () => {
  const commits = [];
  for await (const c of hub.listCommits({ repo: MODEL, hubUrl })) commits.push(c);
  assert.ok(commits.length >= 2);
  for (let i = 1; i < commits.length; i++) assert.ok(commits[i - 1].date >= commits[i].date, "newest first");
  const info = await hub.modelInfo({ name: MODEL, hubUrl, additionalFields: ["sha"] });
  assert.equal(commits[0].oid, info.sha);

  const sizes = {};
  for await (const f of hub.listFiles({ repo: MODEL, hubUrl })) sizes[f.path] = f.size;
  const blob = await hub.downloadFile({ repo: MODEL, path: "config.json", hubUrl });
  const text = await blob.text();
  assert.equal(text.length, sizes["config.json"]);
  JSON.parse(text);
});

test("uploadFiles creates a commit; a read token cannot", async () => {
  const res = await hub.uploadFiles({
    repo: MODEL,
    accessToken: tokens["alice:classic"],
    hubUrl,
    commitTitle: "Upload from the npm client",
    files: [{ path: "conformance/hello.txt", content: new Blob(["hello from npm\n"]) }],
  });
  assert.match(res.commit.oid, /^[0-9a-f]{40}$/);
  const back = await hub.downloadFile({ repo: MODEL, path: "conformance/hello.txt", hubUrl });
  assert.equal(await back.text(), "hello from npm\n");
  const first = await hub.listCommits({ repo: MODEL, hubUrl }).next();
  assert.equal(first.value.title, "Upload from the npm client");
  assert.equal(first.value.oid, res.commit.oid);

  await assert.rejects(
    hub.uploadFiles({
      repo: MODEL,
      accessToken: tokens["bob:classic"],
      hubUrl,
      files: [{ path: "x.txt", content: new Blob(["x"]) }],
    }),
    (e) => e.statusCode === 403 || e.statusCode === 401,
  );
});
