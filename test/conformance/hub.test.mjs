// Conformance: the real npm @huggingface/hub client, which nobody here wrote,
// against `hfwarden hubsim`. If the simulator drifts from the Hub's response
// shapes, status codes, headers or pagination, this client is what notices.
//
// Run with `npm ci && npm test` in this directory (Go and Node 20 needed). The
// test builds hfwarden once into a temporary directory, starts two simulators
// on ports the kernel picks (--addr 127.0.0.1:0; the printed URL carries the
// real port): the built-in demo scenario, and many-repos.json (1,200 public
// models of one author, one private one, three of another author, and a user
// whose only token has the read role) for listing pagination. Tests in this file run in order; the upload test, which
// changes alice/sim-sentiment-model, comes last.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as hub from "@huggingface/hub";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const work = mkdtempSync(join(tmpdir(), "hfwarden-conformance-"));
const bin = join(work, "hfwarden");
const children = [];

// startSim runs `hfwarden hubsim` on a kernel-chosen port and resolves with
// the URL it prints once it listens.
function startSim(args = []) {
  const child = spawn(bin, ["hubsim", "--addr", "127.0.0.1:0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`hubsim did not start within 30s: ${out}`)), 30_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/hubsim listening on (http:\/\/127\.0\.0\.1:(\d+))\s/);
      if (m) {
        clearTimeout(timer);
        if (Number(m[2]) === 0) fail(new Error(`hubsim printed port 0: ${out}`));
        ok(m[1]);
      }
    });
    child.stderr.on("data", (d) => (out += d));
    child.on("error", (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`hubsim exited (${code ?? signal}) before listening: ${out}`));
    });
  });
}

// counting returns a fetch that records the URLs it is asked for.
function counting() {
  const urls = [];
  const f = (url, init) => {
    urls.push(new URL(String(url)));
    return fetch(url, init);
  };
  return { fetch: f, urls };
}

async function collect(iter) {
  const out = [];
  for await (const x of iter) out.push(x);
  return out;
}

// gitBlobId is the git object id of a file's bytes, which the Hub's tree
// listing reports as "oid" for files stored in git (not LFS).
function gitBlobId(bytes) {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const bytesOf = async (blob) => Buffer.from(await blob.arrayBuffer());

let hubUrl, manyUrl;
const tokens = {}; // "user:kind" → token
const MANY = join(here, "many-repos.json");

before(async () => {
  execFileSync("go", ["build", "-o", bin, "./cmd/hfwarden"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  const printed = JSON.parse(execFileSync(bin, ["hubsim", "--print-tokens"], { encoding: "utf8" }));
  for (const t of printed) {
    assert.equal(tokens[`${t.user}:${t.kind}`], undefined, `two ${t.kind} tokens for ${t.user}`);
    tokens[`${t.user}:${t.kind}`] = t.token;
  }
  assert.deepEqual(Object.keys(tokens).sort(), ["alice:classic", "alice:fineGrained", "bob:classic", "bob:oauth"]);
  const manyTokens = JSON.parse(execFileSync(bin, ["hubsim", "--scenario", MANY, "--print-tokens"], { encoding: "utf8" }));
  assert.deepEqual(
    manyTokens.map((t) => [t.user, t.kind]),
    [["reader", "classic"]],
  );
  tokens["reader:classic"] = manyTokens[0].token;
  [hubUrl, manyUrl] = await Promise.all([startSim(), startSim(["--scenario", MANY, "--rate-limit", "-1"])]);
});

after(async () => {
  await Promise.all(
    children.map(
      (c) =>
        new Promise((done) => {
          if (c.exitCode !== null || c.signalCode !== null) return done();
          c.on("exit", () => done());
          c.kill();
        }),
    ),
  );
  rmSync(work, { recursive: true, force: true });
});

const MODEL = "alice/sim-sentiment-model";
const NOTES = { type: "dataset", name: "alice/sim-private-notes" };
// The demo model's config.json, as the built-in scenario writes it.
const CONFIG_JSON = '{\n  "simulated": true,\n  "repo": "alice/sim-sentiment-model",\n  "hidden_size": 64\n}\n';
const DEMO_TITLES = ["Upload model.safetensors", "Add config.json", "Initial commit"];

test("whoAmI: alice's classic write token", async () => {
  const w = await hub.whoAmI({ accessToken: tokens["alice:classic"], hubUrl });
  assert.equal(w.type, "user");
  assert.equal(w.name, "alice");
  assert.equal(w.auth.type, "access_token");
  assert.equal(w.auth.accessToken.role, "write");
  assert.equal(w.auth.accessToken.displayName, "sim-alice-write");
  assert.ok(w.auth.accessToken.createdAt instanceof Date);
  assert.equal(w.auth.accessToken.createdAt.toISOString(), "2024-03-01T09:00:00.000Z");
  assert.equal(w.auth.accessToken.fineGrained, undefined);
  assert.deepEqual(
    w.orgs.map((o) => [o.name, o.roleInOrg]),
    [
      ["acme", "admin"],
      ["research", "write"],
    ],
  );
});

test("whoAmI: fine-grained token scoped to acme", async () => {
  const w = await hub.whoAmI({ accessToken: tokens["alice:fineGrained"], hubUrl });
  assert.equal(w.name, "alice");
  assert.equal(w.auth.type, "access_token");
  const t = w.auth.accessToken;
  assert.equal(t.role, "fineGrained");
  assert.equal(t.fineGrained.canReadGatedRepos, true);
  assert.deepEqual(t.fineGrained.global, ["discussion.write"]);
  assert.equal(t.fineGrained.scoped.length, 1);
  assert.equal(t.fineGrained.scoped[0].entity.type, "org");
  assert.equal(t.fineGrained.scoped[0].entity.name, "acme");
  assert.match(t.fineGrained.scoped[0].entity._id, /^[0-9a-f]{24}$/);
  assert.deepEqual(t.fineGrained.scoped[0].permissions, ["repo.content.read", "repo.write"]);
});

test("whoAmI: bob's read token and OAuth token", async () => {
  const r = await hub.whoAmI({ accessToken: tokens["bob:classic"], hubUrl });
  assert.equal(r.name, "bob");
  assert.equal(r.auth.accessToken.role, "read");
  const o = await hub.whoAmI({ accessToken: tokens["bob:oauth"], hubUrl });
  assert.equal(o.name, "bob");
});

test("whoAmI: an unknown token is refused with 401", async () => {
  await assert.rejects(hub.whoAmI({ accessToken: "hf_" + "Zy".repeat(17), hubUrl }), (e) => {
    assert.ok(e instanceof hub.HubApiError, `not a HubApiError: ${e}`);
    assert.equal(e.statusCode, 401);
    assert.match(e.message, /^Invalid credentials in Authorization header/);
    assert.match(e.requestId ?? "", /\S/);
    return true;
  });
});

test("listModels follows Link pagination: 1,200 models of one author in pages of 500", async () => {
  const { fetch, urls } = counting();
  const models = await collect(hub.listModels({ search: { owner: "prolific" }, hubUrl: manyUrl, fetch }));
  const names = models.map((m) => m.name).sort();
  const want = Array.from({ length: 1200 }, (_, i) => `prolific/model-${String(i).padStart(4, "0")}`);
  assert.equal(names.length, 1200);
  assert.deepEqual(names, want); // each exactly once, the private one and other authors' not at all
  assert.ok(models.every((m) => m.private === false && /^[0-9a-f]{24}$/.test(m.id)));
  assert.equal(new Set(models.map((m) => m.id)).size, 1200);

  // Three requests, all for the same author and page size, the later ones
  // with the cursor of the Link header.
  assert.equal(urls.length, 3, urls.join("\n"));
  for (const u of urls) {
    assert.equal(u.pathname, "/api/models");
    assert.equal(u.searchParams.get("author"), "prolific");
    assert.equal(u.searchParams.get("limit"), "500");
  }
  assert.equal(urls[0].searchParams.get("cursor"), null);
  assert.ok(urls[1].searchParams.get("cursor"));
  assert.ok(urls[2].searchParams.get("cursor"));
  assert.notEqual(urls[1].searchParams.get("cursor"), urls[2].searchParams.get("cursor"));
});

test("listModels without an author lists every public model once", async () => {
  const { fetch, urls } = counting();
  const names = (await collect(hub.listModels({ hubUrl: manyUrl, fetch }))).map((m) => m.name);
  assert.equal(names.length, 1204);
  assert.equal(new Set(names).size, 1204);
  assert.ok(names.includes("reader/own-model"));
  assert.ok(!names.includes("prolific/private-model"));
  assert.deepEqual(names.filter((n) => n.startsWith("other/")).sort(), ["other/model-0", "other/model-1", "other/model-2"]);
  assert.equal(urls.length, 3);
});

test("listModels with the client's limit stops early", async () => {
  const { fetch, urls } = counting();
  const names = (await collect(hub.listModels({ search: { owner: "prolific" }, limit: 7, hubUrl: manyUrl, fetch }))).map(
    (m) => m.name,
  );
  assert.equal(names.length, 7);
  assert.equal(urls.length, 1);
  assert.equal(urls[0].searchParams.get("limit"), "7");
});

test("listModels shows a private model only to those who may read it", async () => {
  const list = async (accessToken) =>
    (await collect(hub.listModels({ search: { owner: "acme" }, accessToken, hubUrl })))
      .map((m) => [m.name, m.private, m.gated])
      .sort();
  assert.deepEqual(await list(tokens["alice:classic"]), [
    ["acme/sim-gated-model", false, "manual"],
    ["acme/sim-internal-llm", true, false],
  ]);
  assert.deepEqual(await list(undefined), [["acme/sim-gated-model", false, "manual"]]);
  const mine = await collect(hub.listModels({ search: { owner: "alice" }, accessToken: tokens["alice:classic"], hubUrl }));
  assert.deepEqual(
    mine.map((m) => m.name),
    [MODEL],
  );
});

test("listSpaces and listDatasets with the client's expand keys; checkRepoAccess 401/404", async () => {
  const spaces = (await collect(hub.listSpaces({ search: { owner: "alice" }, accessToken: tokens["alice:classic"], hubUrl }))).map(
    (s) => [s.name, s.sdk, s.private],
  );
  assert.deepEqual(spaces, [["alice/sim-chat-demo", "gradio", false]]);
  const datasets = (await collect(hub.listDatasets({ search: { owner: "alice" }, accessToken: tokens["alice:classic"], hubUrl }))).map(
    (d) => [d.name, d.private, d.gated],
  );
  assert.deepEqual(datasets, [["alice/sim-private-notes", true, false]]);
  const space = await hub.spaceInfo({ name: "alice/sim-chat-demo", hubUrl });
  assert.equal(space.sdk, "gradio");
  await assert.rejects(hub.checkRepoAccess({ repo: { type: "model", name: "alice/no-such-model" }, hubUrl }), (e) => e.statusCode === 401);
  await assert.rejects(
    hub.checkRepoAccess({ repo: { type: "model", name: "alice/no-such-model" }, accessToken: tokens["bob:classic"], hubUrl }),
    (e) => e.statusCode === 404,
  );
});

test("modelInfo: id, private flag, sha", async () => {
  const m = await hub.modelInfo({ name: MODEL, hubUrl, additionalFields: ["sha", "author"] });
  assert.equal(m.name, MODEL);
  assert.match(m.id, /^[0-9a-f]{24}$/);
  assert.equal(m.private, false);
  assert.equal(m.gated, false);
  assert.equal(m.author, "alice");
  assert.equal(m.task, "text-classification");
  assert.match(m.sha, /^[0-9a-f]{40}$/);
  const head = (await hub.listCommits({ repo: MODEL, hubUrl, batchSize: 1 }).next()).value;
  assert.equal(m.sha, head.oid);

  const priv = await hub.modelInfo({ name: "acme/sim-internal-llm", accessToken: tokens["alice:classic"], hubUrl });
  assert.equal(priv.private, true);
  assert.notEqual(priv.id, m.id);
  // Bob is a read member of acme, so his OAuth token may read it; without a
  // token the private model looks like a missing one.
  const asBob = await hub.modelInfo({ name: "acme/sim-internal-llm", accessToken: tokens["bob:oauth"], hubUrl });
  assert.equal(asBob.id, priv.id);
  for (const name of ["acme/sim-internal-llm", "acme/no-such-model"]) {
    await assert.rejects(hub.modelInfo({ name, hubUrl }), (e) => {
      assert.equal(e.statusCode, 401, name);
      assert.match(e.message, /^Repository not found/, name);
      return true;
    });
  }
});

test("listFiles: the demo model's files, and a private dataset's tree", async () => {
  const files = await collect(hub.listFiles({ repo: MODEL, recursive: true, hubUrl }));
  assert.deepEqual(
    files.map((f) => [f.type, f.path]),
    [
      ["file", "README.md"],
      ["file", "config.json"],
      ["file", "model.safetensors"],
    ],
  );
  const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
  assert.equal(byPath["config.json"].size, Buffer.byteLength(CONFIG_JSON));
  assert.equal(byPath["config.json"].lfs, undefined);
  assert.equal(byPath["model.safetensors"].size, 4200);
  assert.equal(byPath["model.safetensors"].lfs.size, 4200);
  assert.match(byPath["model.safetensors"].lfs.oid, /^[0-9a-f]{64}$/);

  const top = await collect(hub.listFiles({ repo: NOTES, accessToken: tokens["alice:classic"], hubUrl }));
  assert.deepEqual(
    top.map((f) => [f.type, f.path]),
    [
      ["file", "README.md"],
      ["file", "config.json"],
      ["directory", "data"],
    ],
  );
  const all = await collect(hub.listFiles({ repo: NOTES, recursive: true, accessToken: tokens["alice:classic"], hubUrl }));
  assert.deepEqual(all.map((f) => f.path).sort(), ["README.md", "config.json", "data", "data/train.bin"]);
  // A private repository out of reach is a missing one: 404 to a signed-in
  // caller, 401 without a token.
  await assert.rejects(collect(hub.listFiles({ repo: NOTES, accessToken: tokens["bob:classic"], hubUrl })), (e) => e.statusCode === 404);
  await assert.rejects(collect(hub.listFiles({ repo: NOTES, hubUrl })), (e) => e.statusCode === 401);
});

test("listCommits: ids, titles, newest first, paged by batchSize", async () => {
  const { fetch, urls } = counting();
  const paged = await collect(hub.listCommits({ repo: MODEL, hubUrl, batchSize: 1, fetch }));
  assert.equal(urls.length, 3, "one request per commit with batchSize 1");
  assert.deepEqual(
    paged.map((c) => c.title),
    DEMO_TITLES,
  );
  for (const c of paged) {
    assert.match(c.oid, /^[0-9a-f]{40}$/);
    assert.deepEqual(
      c.authors.map((a) => a.username),
      ["alice"],
    );
  }
  assert.equal(new Set(paged.map((c) => c.oid)).size, 3);
  assert.deepEqual(
    paged.map((c) => c.date.toISOString()),
    ["2024-02-06T09:00:00.000Z", "2024-02-03T09:00:00.000Z", "2024-02-01T09:00:00.000Z"],
  );
  assert.equal(paged[1].message, "Settings used by the demo.");

  const whole = await collect(hub.listCommits({ repo: MODEL, hubUrl }));
  assert.deepEqual(
    whole.map((c) => c.oid),
    paged.map((c) => c.oid),
  );
  // The history of an older revision starts at that revision.
  const older = await collect(hub.listCommits({ repo: MODEL, hubUrl, revision: paged[1].oid }));
  assert.deepEqual(
    older.map((c) => c.oid),
    paged.slice(1).map((c) => c.oid),
  );
});

test("downloadFile: exact bytes, matching listFiles' sizes and ids", async () => {
  const files = Object.fromEntries((await collect(hub.listFiles({ repo: MODEL, hubUrl }))).map((f) => [f.path, f]));

  const config = await bytesOf(await hub.downloadFile({ repo: MODEL, path: "config.json", hubUrl }));
  assert.equal(config.toString("utf8"), CONFIG_JSON);
  assert.equal(config.length, files["config.json"].size);
  assert.equal(gitBlobId(config), files["config.json"].oid);

  const readmeBlob = await hub.downloadFile({ repo: MODEL, path: "README.md", hubUrl });
  assert.equal(readmeBlob.size, files["README.md"].size);
  const readme = await bytesOf(readmeBlob);
  assert.equal(readme.length, files["README.md"].size);
  assert.equal(gitBlobId(readme), files["README.md"].oid);
  assert.match(readme.toString("utf8"), /^---\nlicense: apache-2\.0\n[\s\S]*\n# sim-sentiment-model\n/);
  // A slice of the blob is fetched with a Range request.
  assert.equal(await readmeBlob.slice(4, 24).text(), readme.subarray(4, 24).toString("utf8"));

  const weights = await bytesOf(await hub.downloadFile({ repo: MODEL, path: "model.safetensors", hubUrl }));
  assert.equal(weights.length, 4200);
  // The demo weights are a valid safetensors file: its header's offsets end where the file does.
  const headerLen = Number(weights.readBigUInt64LE(0));
  const header = JSON.parse(weights.subarray(8, 8 + headerLen).toString("utf8"));
  assert.equal(8 + headerLen + header.weight.data_offsets[1], weights.length);
  assert.equal(sha256(weights), files["model.safetensors"].lfs.oid);

  // A private file with the owner's token; a missing file is null.
  const notes = await bytesOf(await hub.downloadFile({ repo: NOTES, path: "config.json", accessToken: tokens["alice:classic"], hubUrl }));
  assert.match(notes.toString("utf8"), /"repo": "alice\/sim-private-notes"/);
  assert.equal(await hub.downloadFile({ repo: MODEL, path: "no/such/file.txt", hubUrl }), null);
  await assert.rejects(hub.downloadFile({ repo: NOTES, path: "config.json", hubUrl }), (e) => e.statusCode === 401);
});

test("uploadFiles: alice's write token commits; read and out-of-scope tokens cannot", async () => {
  const before = await collect(hub.listCommits({ repo: MODEL, hubUrl }));
  assert.deepEqual(
    before.map((c) => c.title),
    DEMO_TITLES,
  );

  const text = "hello from the npm client\n";
  const binary = new Uint8Array([0, 1, 2, 3, 0xfe, 0xff, 0, 10]);
  const res = await hub.uploadFiles({
    repo: MODEL,
    accessToken: tokens["alice:classic"],
    hubUrl,
    commitTitle: "Upload from the npm client",
    files: [
      { path: "conformance/hello.txt", content: new Blob([text]) },
      { path: "conformance/data.bin", content: new Blob([binary]) },
    ],
  });
  assert.match(res.commit.oid, /^[0-9a-f]{40}$/);
  assert.ok(!before.some((c) => c.oid === res.commit.oid));

  const after = await collect(hub.listCommits({ repo: MODEL, hubUrl }));
  assert.equal(after.length, before.length + 1);
  assert.equal(after[0].oid, res.commit.oid);
  assert.equal(after[0].title, "Upload from the npm client");
  assert.deepEqual(
    after[0].authors.map((a) => a.username),
    ["alice"],
  );
  assert.deepEqual(
    after.slice(1).map((c) => c.oid),
    before.map((c) => c.oid),
  );
  const info = await hub.modelInfo({ name: MODEL, hubUrl, additionalFields: ["sha"] });
  assert.equal(info.sha, res.commit.oid);

  const hello = await bytesOf(await hub.downloadFile({ repo: MODEL, path: "conformance/hello.txt", hubUrl }));
  assert.equal(hello.toString("utf8"), text);
  const data = await bytesOf(await hub.downloadFile({ repo: MODEL, path: "conformance/data.bin", hubUrl }));
  assert.deepEqual([...data], [...binary]);
  const tree = await collect(hub.listFiles({ repo: MODEL, path: "conformance", hubUrl }));
  assert.deepEqual(
    tree.map((f) => [f.path, f.size]).sort(),
    [
      ["conformance/data.bin", binary.length],
      ["conformance/hello.txt", Buffer.byteLength(text)],
    ],
  );
  // The old files are still there, unchanged.
  const config = await bytesOf(await hub.downloadFile({ repo: MODEL, path: "config.json", hubUrl }));
  assert.equal(config.toString("utf8"), CONFIG_JSON);

  // Bob may only read alice's model; alice's fine-grained token is scoped to
  // acme, not to her own namespace. Neither may write, and nothing changes.
  for (const who of ["bob:classic", "bob:oauth", "alice:fineGrained"]) {
    await assert.rejects(
      hub.uploadFiles({
        repo: MODEL,
        accessToken: tokens[who],
        hubUrl,
        commitTitle: `Upload by ${who}`,
        files: [{ path: "denied.txt", content: new Blob(["x"]) }],
      }),
      (e) => {
        assert.ok(e instanceof hub.HubApiError, `${who}: not a HubApiError: ${e}`);
        assert.equal(e.statusCode, 403, `${who}: ${e.message}`);
        return true;
      },
      who,
    );
  }
  const final = await collect(hub.listCommits({ repo: MODEL, hubUrl }));
  assert.deepEqual(
    final.map((c) => c.oid),
    after.map((c) => c.oid),
  );
  assert.equal(await hub.downloadFile({ repo: MODEL, path: "denied.txt", hubUrl }), null);
});

test("uploadFiles: a read-role token cannot write even to its owner's repository", async () => {
  const accessToken = tokens["reader:classic"];
  const w = await hub.whoAmI({ accessToken, hubUrl: manyUrl });
  assert.equal(w.name, "reader");
  assert.equal(w.auth.accessToken.role, "read");
  const repo = "reader/own-model";
  const before = await collect(hub.listCommits({ repo, accessToken, hubUrl: manyUrl }));
  assert.deepEqual(
    before.map((c) => c.title),
    ["Initial commit"],
  );
  await assert.rejects(
    hub.uploadFiles({
      repo,
      accessToken,
      hubUrl: manyUrl,
      files: [{ path: "denied.txt", content: new Blob(["x"]) }],
    }),
    (e) => {
      assert.ok(e instanceof hub.HubApiError, `not a HubApiError: ${e}`);
      assert.equal(e.statusCode, 403, e.message);
      return true;
    },
  );
  const after = await collect(hub.listCommits({ repo, accessToken, hubUrl: manyUrl }));
  assert.deepEqual(
    after.map((c) => c.oid),
    before.map((c) => c.oid),
  );
});
