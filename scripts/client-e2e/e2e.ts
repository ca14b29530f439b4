// One mentorship, end to end, then the mentor takes their data and leaves,
// and the founder changes address and undoes it, through a client generated
// from docs/openapi.json.
// Every call is typed by the generated schema (gen/schema.d.ts), so a spec
// change that breaks a client breaks `tsc --noEmit` before this even runs.
// Usage: node dist/e2e.js http://127.0.0.1:PORT MAIL_DIR
// MAIL_DIR is where the server (with no SMTP configured) writes its mail as
// .eml files: the script reads its links there, as a member reads a mailbox.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import createClient from "openapi-fetch";
import type { components, paths } from "./gen/schema.js";

type Schemas = components["schemas"];

const base = process.argv[2];
const mailDir: string = process.argv[3] ?? "";
if (!base || !mailDir) {
  throw new Error("usage: e2e.js BASE_URL MAIL_DIR");
}
const api = createClient<paths>({ baseUrl: base });
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

let step = 0;
// check fails the run with what was expected and what came back.
function check(cond: unknown, what: string, got?: unknown): asserts cond {
  if (!cond) {
    throw new Error(`${what}; got ${JSON.stringify(got)}`);
  }
}
// expect checks an answer's status and returns its typed body.
function expect<T>(label: string, res: { data?: T; error?: unknown; response: Response }, status: number): T {
  step++;
  check(res.response.status === status, `${step}. ${label}: status ${res.response.status}, want ${status}`, res.error ?? res.data);
  check(res.data !== undefined, `${step}. ${label}: no body`, res.error);
  console.log(`ok ${step}. ${label} -> ${status}`);
  return res.data;
}

const run = Date.now().toString(36);
const password = "kizuna-e2e-passphrase";

// decodeQP undoes quoted-printable (soft line breaks and =XX bytes).
function decodeQP(s: string): string {
  const bytes = s.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

// Tokens already taken from mail: a second link of the same kind to the same
// address (a second reset) is a new mail.
const usedTokens = new Set<string>();

// mailedToken waits for a mail to `to` with a link to `path` that was not
// taken before and returns the link's token.
async function mailedToken(to: string, path: string): Promise<string> {
  const pattern = new RegExp(`${path.replace(/[?]/g, "\\?")}token=([A-Za-z0-9_%-]+)`);
  for (let i = 0; i < 200; i++) {
    let files: string[] = [];
    try {
      files = readdirSync(mailDir).filter((f) => f.endsWith(".eml"));
    } catch {
      // not written yet
    }
    for (const f of files) {
      const text = decodeQP(readFileSync(join(mailDir, f), "latin1"));
      const m = text.includes(`To: <${to}>`) ? pattern.exec(text) : null;
      const token = m?.[1] ? decodeURIComponent(m[1]) : "";
      if (token && !usedTokens.has(token)) {
        usedTokens.add(token);
        return token;
      }
    }
    await new Promise((r) => setTimeout(r, 50)); // polling for the mail worker
  }
  throw new Error(`no mail to ${to} with a link to ${path} in ${mailDir}`);
}

// verify follows the link of the verification mail sent at sign-up.
async function verify(email: string, token: string): Promise<void> {
  const before = expect("GET /v1/me before the link", await api.GET("/v1/me", { headers: auth(token) }), 200);
  check(before.emailVerified === false, "verified before following the link", before);
  const link = await mailedToken(email, "/verify-email?");
  const ok = expect("follow the verification link", await api.POST("/v1/auth/verify-email", { body: { token: link } }), 200);
  check(ok.emailVerified === true, "not verified", ok);
}

async function register(name: string, role: "mentor" | "founder"): Promise<Schemas["AuthResponse"]> {
  const body: Schemas["RegisterRequest"] = {
    email: `${role}-${run}@example.jp`,
    password,
    displayName: name,
    roles: [role],
  };
  const out = expect(`register the ${role}`, await api.POST("/v1/auth/register", { body }), 201);
  check(out.user.roles.includes(role), `${role} lacks the role`, out.user);
  check(out.tokens.accessToken, `${role} got no access token`, out.tokens);
  await verify(body.email, out.tokens.accessToken);
  return out;
}

async function main(): Promise<void> {
  const ready = await api.GET("/readyz");
  check(ready.response.status === 200 && ready.data?.status, "not ready", ready.data);

  const mentor = await register("佐藤 由紀", "mentor");
  const founder = await register("田中 健", "founder");
  const m = auth(mentor.tokens.accessToken);
  const f = auth(founder.tokens.accessToken);

  const mentorProfile: Schemas["MentorProfileRequest"] = {
    headline: "食品メーカーで20年、道外への販路開拓をしてきました",
    bio: "札幌を拠点に、道内の小さな食品メーカーの営業と採用を手伝っています。",
    topics: ["sales", "hiring"],
    tags: ["BtoB"],
    industries: ["食品"],
    location: { municipalityCode: "01101" },
    travelKm: 300,
    modes: ["in_person", "online", "phone"],
    languages: ["ja"],
    capacity: 2,
    acceptingRequests: true,
    yearsExperience: 20,
    stakes: [],
    independent: true,
  };
  const mp = expect("fill the mentor profile", await api.PUT("/v1/me/mentor-profile", { headers: m, body: mentorProfile }), 201);
  check(mp.location.municipalityJa === "札幌市中央区", "mentor location not resolved", mp.location);
  check(mp.version === 1, "mentor profile version", mp.version);

  const me = expect("the mentor shares a phone number", await api.PATCH("/v1/me", { headers: m, body: { phone: "011-000-0000" } }), 200);
  check(me.phone === "011-000-0000", "phone not kept", me);

  const founderProfile: Schemas["FounderProfileRequest"] = {
    companyName: "十勝チーズ工房",
    stage: "seed",
    industry: "食品製造",
    location: { municipalityCode: "01207" },
    topicsNeeded: ["sales", "hiring"],
    bio: "帯広でチーズを作っています。",
  };
  const fp = expect("fill the founder profile", await api.PUT("/v1/me/founder-profile", { headers: f, body: founderProfile }), 201);
  check(fp.location.municipalityJa === "帯広市", "founder location not resolved", fp.location);

  const created = expect(
    "create a match request",
    await api.POST("/v1/match-requests", {
      headers: f,
      body: { topics: ["sales", "hiring"], radiusKm: 200, message: "道外への販路について相談したいです" },
    }),
    201,
  );
  const requestId = created.request.id;
  check(requestId, "match request without id", created);
  check(created.request.status === "open", "match request not open", created.request);
  const suggested = created.suggestions.find((s) => s.mentor.id === mentor.user.id);
  check(suggested, "the mentor is not among the suggestions", created.suggestions);
  check((suggested.score ?? 0) > 0, "suggestion without a score", suggested);

  const intro = expect(
    "introduce the mentor",
    await api.POST("/v1/match-requests/{id}/introductions", {
      headers: f,
      params: { path: { id: requestId } },
      body: { mentorId: mentor.user.id, message: "よろしくお願いします" },
    }),
    201,
  );
  check(intro.status === "pending" && intro.id, "introduction not pending", intro);

  const accepted = expect(
    "the mentor accepts",
    await api.POST("/v1/introductions/{id}/accept", {
      headers: m,
      params: { path: { id: intro.id } },
      body: { message: "喜んで。まずは電話で話しましょう" },
    }),
    200,
  );
  check(accepted.status === "accepted" && accepted.mentorshipId, "introduction not accepted", accepted);
  const mentorshipId = accepted.mentorshipId;

  const ms = expect("the founder reads the mentorship", await api.GET("/v1/mentorships/{id}", { headers: f, params: { path: { id: mentorshipId } } }), 200);
  check(ms.status === "active", "mentorship not active", ms);
  check(ms.counterpart?.phone === "011-000-0000", "the founder does not see the mentor's phone", ms.counterpart);
  check(ms.counterpart.email === mentor.user.email, "the founder does not see the mentor's e-mail", ms.counterpart);

  const call = expect(
    "log a phone call",
    await api.POST("/v1/mentorships/{id}/touchpoints", {
      headers: f,
      params: { path: { id: mentorshipId } },
      body: { kind: "call", durationMinutes: 30, summary: "展示会の選び方を相談" },
    }),
    201,
  );
  check(call.kind === "call" && call.durationMinutes === 30 && call.authorId === founder.user.id, "touchpoint", call);

  const done = expect(
    "complete the mentorship",
    await api.POST("/v1/mentorships/{id}/complete", {
      headers: f,
      params: { path: { id: mentorshipId } },
      body: { reflection: "販路の見通しが立ちました。ありがとうございました", rating: 5, stayInTouch: true },
    }),
    200,
  );
  check(done.status === "completed" && done.endedAt, "mentorship not completed", done);
  check(done.lastContactAt, "the call is not the last contact", done);

  const mentorInbox = expect("the mentor reads notifications", await api.GET("/v1/notifications", { headers: m }), 200);
  const mentorKinds = (mentorInbox.items ?? []).map((n) => n.kind);
  check(mentorKinds.includes("introduction_received"), "the mentor was not told of the introduction", mentorKinds);
  check(mentorKinds.includes("mentorship_completed"), "the mentor was not asked for a reflection", mentorKinds);
  check((mentorInbox.unreadCount ?? 0) >= 2, "unread count", mentorInbox.unreadCount);

  const founderInbox = expect(
    "the founder reads notifications",
    await api.GET("/v1/notifications", { headers: f, params: { query: { unread: true } } }),
    200,
  );
  const accept = founderInbox.items.find((n) => n.kind === "introduction_accepted");
  check(accept?.refs?.mentorshipId === mentorshipId, "the founder was not told of the accept", founderInbox.items);

  // An error answer is typed too: the problem carries a stable code.
  const again = await api.POST("/v1/mentorships/{id}/complete", {
    headers: f,
    params: { path: { id: mentorshipId } },
    body: { reflection: "again", rating: 5, stayInTouch: true },
  });
  step++;
  check(again.response.status === 409 && again.error?.code === "already_reflected", `${step}. completing twice`, again.error);
  console.log(`ok ${step}. completing twice -> 409 ${again.error.code}`);

  // Forgotten password: a reset link by mail ends every session at once.
  const email = founder.user.email;
  const asked = expect("ask for a password reset", await api.POST("/v1/auth/password-reset", { body: { email } }), 202);
  check(asked.status === "accepted", "reset not accepted", asked);
  const resetToken = await mailedToken(email, "/reset-password?");
  const fresh = "a-new-e2e-passphrase-2026";
  const set = await api.POST("/v1/auth/password-reset/confirm", { body: { token: resetToken, newPassword: fresh } });
  step++;
  check(set.response.status === 204, `${step}. confirm the reset`, set.error);
  console.log(`ok ${step}. confirm the reset -> 204`);
  const old = await api.GET("/v1/me", { headers: f });
  step++;
  check(old.response.status === 401 && old.error?.code === "session_ended", `${step}. the old session after the reset`, old.error);
  console.log(`ok ${step}. the old session after the reset -> 401 ${old.error.code}`);
  const back = expect("sign in with the new password", await api.POST("/v1/auth/login", { body: { email, password: fresh } }), 200);
  const f2 = auth(back.tokens.accessToken);

  // The mentor takes their data, then leaves: the founder keeps the
  // mentorship, with the mentor shown as a former member.
  const exported = expect("the mentor exports their data", await api.GET("/v1/me/export", { headers: m }), 200);
  check(exported.account.id === mentor.user.id && exported.mentorProfile?.headline === mentorProfile.headline, "export: the account", exported.account);
  check(exported.mentorships.some((x) => x.id === mentorshipId && x.touchpoints.length > 0), "export: the mentorship", exported.mentorships);
  check(exported.introductionsReceived.length === 1, "export: the introduction", exported.introductionsReceived);
  const wrong = await api.DELETE("/v1/me", { headers: m, body: { password: "not-the-password" } });
  step++;
  check(wrong.response.status === 400 && wrong.error?.code === "validation_failed", `${step}. leaving with a wrong password`, wrong.error);
  console.log(`ok ${step}. leaving with a wrong password -> 400 ${wrong.error.code}`);
  const left = await api.DELETE("/v1/me", { headers: m, body: { password } });
  step++;
  check(left.response.status === 204, `${step}. the mentor deletes the account`, left.error);
  console.log(`ok ${step}. the mentor deletes the account -> 204`);
  const gone = await api.GET("/v1/me", { headers: m });
  step++;
  check(gone.response.status === 401, `${step}. the deleted account's session`, gone.error);
  console.log(`ok ${step}. the deleted account's session -> 401 ${gone.error?.code}`);
  const kept = expect(
    "the founder still reads the mentorship",
    await api.GET("/v1/mentorships/{id}", { headers: f2, params: { path: { id: mentorshipId } } }),
    200,
  );
  check(kept.mentor.displayName === "退会したユーザー / former member", "the mentor is not shown as a former member", kept.mentor);

  // The founder is not lapsed: the monthly digest would not be sent.
  const digest = expect("the founder previews the monthly digest", await api.GET("/v1/me/digest-preview", { headers: f2 }), 200);
  check(!digest.lapsed && !digest.wouldSend && digest.skipReason, "an active member's digest would be sent", digest);

  // A new address is proven by a link sent there; the old address is told,
  // with a link that undoes the change (in case it was not the member).
  const newEmail = `founder-moved-${run}@example.jp`;
  const moving = expect("the founder asks to change address", await api.POST("/v1/me/email", { headers: f2, body: { newEmail, password: fresh } }), 202);
  check(moving.status === "accepted", "address change not accepted", moving);
  const moved = expect(
    "follow the link sent to the new address",
    await api.POST("/v1/auth/confirm-email-change", { body: { token: await mailedToken(newEmail, "/confirm-email-change?") } }),
    200,
  );
  check(moved.email === newEmail, "the address did not change", moved);
  const undone = expect(
    "undo it from the old address",
    await api.POST("/v1/auth/revert-email-change", { body: { token: await mailedToken(email, "/revert-email-change?") } }),
    200,
  );
  check(undone.email === email, "the old address is not back", undone);
  const afterUndo = await api.POST("/v1/auth/login", { body: { email, password: fresh } });
  step++;
  check(afterUndo.response.status === 401, `${step}. the password after an undo`, afterUndo.error);
  console.log(`ok ${step}. the password after an undo -> 401 ${afterUndo.error?.code}`);
  const again2 = "a-third-e2e-passphrase-2026";
  const reset2 = await api.POST("/v1/auth/password-reset/confirm", { body: { token: await mailedToken(email, "/reset-password?"), newPassword: again2 } });
  step++;
  check(reset2.response.status === 204, `${step}. the reset link mailed to the old address`, reset2.error);
  console.log(`ok ${step}. the reset link mailed to the old address -> 204`);
  const home = expect("sign in at the old address again", await api.POST("/v1/auth/login", { body: { email, password: again2 } }), 200);
  check(home.user.email === email, "signed in at another address", home.user);
}

main().then(
  () => console.log(`PASS: ${step} steps`),
  (err: unknown) => {
    console.error(`FAIL: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
