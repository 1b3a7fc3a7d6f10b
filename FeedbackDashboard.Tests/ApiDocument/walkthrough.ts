// The README's API walkthrough through a client generated from /api/openapi.json (openapi-typescript types,
// openapi-fetch calls): typed paths, filters and answers, no casts. Run by OpenApiClientTests with BASE_URL and API_KEY.
import createClient from "openapi-fetch";
import type { paths, components } from "./api.js";

type TaskInput = components["schemas"]["TaskInput"];

const baseUrl = process.env.BASE_URL ?? "";
const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${process.env.API_KEY ?? ""}` } });

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`walkthrough: ${what}`);
}

const suffix = Date.now().toString(36);
const repository = `acme/walkthrough-${suffix}`;
const runs: { id: string; model: string }[] = [];
let comment = (Date.now() % 100_000_000) * 100;
for (const [i, model] of ["model-a", "model-b"].entries()) {
  // 1. Register a run (an id and an Idempotency-Key make a retry safe).
  const id = crypto.randomUUID();
  const run: TaskInput = {
    id,
    repository,
    installation_id: 77,
    pr_number: 40 + i,
    pr_author: { github_id: 501, login: "octo", association: "CONTRIBUTOR" },
    labels: { model, bot_version: "1.4.0" },
  };
  const registered = await client.POST("/api/tasks", { body: run, params: { header: { "Idempotency-Key": `walkthrough-${suffix}-${i}` } } });
  check(registered.response.status === 201 && registered.data?.id === id, `register ${registered.response.status}`);
  const again = await client.POST("/api/tasks", { body: run, params: { header: { "Idempotency-Key": `walkthrough-${suffix}-${i}` } } });
  check(again.data?.id === id && again.response.headers.get("Idempotent-Replayed") === "true", "a retried POST answers the first run");
  const read = await client.GET("/api/tasks/{id}", { params: { path: { id } } });
  check(read.data?.source === "api" && read.data.labels["model"] === model, "GET the run Location points to");

  // 2. Record the comments the bot posted (a reply needs no file or line).
  comment += 10;
  const comments = await client.POST("/api/tasks/{id}/comments", {
    params: { path: { id } },
    body: [
      { kind: "inline", github_comment_id: comment, file: "src/app.ts", line: 42, body: "Possible null dereference.", rule: "null-check", severity: "high" },
      { kind: "reply", github_comment_id: comment + 1, body: "Summary: 1 finding." },
    ],
  });
  check(comments.data?.inserted === 2, `comments ${comments.response.status}`);

  // 3. Capture a review by its id (findings matched to its comments by file and line).
  const capture = await client.POST("/api/tasks/{id}/reviews", {
    params: { path: { id } },
    body: { github_review_id: 4242 + i, findings: [{ file: "src/app.ts", line: 42, finding_id: "F-1", rule: "null-check" }] },
  });
  check(capture.response.status === 202 && capture.data?.status === "pending", `capture ${capture.response.status}`);
  runs.push({ id, model });
}

// 4. Read a run's feedback.
const [first, second] = runs;
check(first !== undefined && second !== undefined, "two runs registered");
const feedback = await client.GET("/api/tasks/{id}/feedback", { params: { path: { id: first?.id ?? "" } } });
check(feedback.data !== undefined, `feedback ${feedback.response.status}`);
const states = (feedback.data?.comments ?? []).map((c) => c.state);
check(states.length === 2 && states.every((s) => s === "polled"), `states ${states.join(",")}`);
const pending = feedback.data?.captures.find((c) => c.github_review_id === 4242);
check(pending?.status === "pending" && pending.unmatched_findings === null, "the capture is pending");

// 5. List runs with typed filters: the repository, a page size, and a label (label[model]=model-b).
const listed = await client.GET("/api/tasks", {
  params: { query: { repository, page_size: 50, label: { model: "model-b" }, has_down: false } },
});
check(listed.data?.total === 1 && listed.data.items[0]?.id === second?.id, `list ${JSON.stringify(listed.data)}`);
const refused = await client.GET("/api/tasks", { params: { query: { page_size: 500 } } });
check(refused.response.status === 400 && refused.error?.errors?.["page_size"] !== undefined, "page_size over 200 is named");

// 6. Export every reaction (NDJSON, or CSV with format=csv).
const ndjson = await client.GET("/api/feedback/export", { params: { query: { repository, format: "ndjson" } }, parseAs: "text" });
check(ndjson.response.status === 200 && typeof ndjson.data === "string", `export ${ndjson.response.status}`);
const csv = await client.GET("/api/feedback/export", { params: { query: { repository, format: "csv" } }, parseAs: "text" });
check((csv.data ?? "").startsWith("task_id,labels,repository"), "the CSV header names the NDJSON fields");

// 7. Compare the two models.
const compared = await client.GET("/api/analytics/compare", {
  params: { query: { repository, label: "model", a: "model-a", b: "model-b", role: "all", bucket: "week" } },
});
const verdicts: string[] = ["a_better", "b_better", "no_difference", "not_enough_data"];
check(compared.data !== undefined && verdicts.includes(compared.data.verdict), `compare ${compared.response.status}`);
check(compared.data?.verdict === "not_enough_data", "no reactions yet: not enough data");

console.log(`walkthrough ok: ${runs.length} runs, ${states.length} comments, verdict ${compared.data?.verdict}`);
