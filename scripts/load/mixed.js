// A mixed workload against a Kizuna server seeded with the Hokkaido demo
// (see run.sh). Half the virtual users are demo founders, half demo mentors;
// each signs in once, then loops over weighted operations with no think time
// (a closed loop: every user always has one request in flight). Every request
// is tagged with its operation (tag "op") for the per-operation report.
//
// Conflicts are part of the workload, not errors: mentors fill up (409
// capacity_full, mentor_unavailable), three introductions per request at most
// (409 too_many_pending), several users race for the same new e-mail (409
// email_taken), small events fill (waitlisted). Only 5xx and network errors
// count as failures here; run.sh also checks the invariants afterwards.
import http from 'k6/http';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:18480';
const PASSWORD = 'kizuna-demo-2026';
const FOUNDERS = 40; // founder@, founder02..founder40 (internal/demo)
const MENTORS = 59; // mentor@, mentor02..mentor59 (the organizer is not used here)
const SIGNUP_EMAILS = 40; // few enough that concurrent sign-ups collide
const TOPICS = ['sales', 'hiring', 'marketing', 'export', 'fundraising', 'branding', 'ecommerce', 'public_grants', 'succession', 'accounting'];
const NEAR = ['01207', '01101', '01204', '01202', '01206', '01208'];

export const options = {
  vus: Number(__ENV.VUS || 64),
  duration: __ENV.DURATION || '60s',
  setupTimeout: '60s',
  summaryTrendStats: ['med', 'p(95)', 'p(99)', 'max'],
  // 4xx answers are expected outcomes (see above).
  thresholds: { http_req_failed: ['rate<0.0001'] },
};
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 499 }));

const JSON_HEADERS = { 'Content-Type': 'application/json' };

function call(op, method, path, body, token) {
  const headers = Object.assign({}, body === undefined ? {} : JSON_HEADERS);
  if (token) headers.Authorization = 'Bearer ' + token;
  return http.request(method, BASE + path, body === undefined ? null : JSON.stringify(body), {
    headers,
    tags: { op, name: op }, // name: one series per operation, not per URL
  });
}

function json(res) {
  try {
    return res.json();
  } catch (_) {
    return null;
  }
}

function pick(xs) {
  return xs[Math.floor(Math.random() * xs.length)];
}

function weighted(table) {
  let total = 0;
  for (const [, w] of table) total += w;
  let r = Math.random() * total;
  for (const [fn, w] of table) {
    if ((r -= w) < 0) return fn;
  }
  return table[table.length - 1][0];
}

function demoEmail(kind, i) {
  return i === 0 ? `${kind}@demo.kizuna.example` : `${kind}${String(i + 1).padStart(2, '0')}@demo.kizuna.example`;
}

// Per virtual user (module state is per VU in k6).
const me = { role: '', email: '', token: '', requests: [] };

function signIn() {
  const res = call('signin', 'POST', '/v1/auth/login', { email: me.email, password: PASSWORD });
  const body = json(res);
  if (res.status === 200 && body) me.token = body.tokens.accessToken;
  return res;
}

// authed runs an authenticated call, signing in again once on 401.
function authed(op, method, path, body) {
  let res = call(op, method, path, body, me.token);
  if (res.status === 401) {
    signIn();
    res = call(op, method, path, body, me.token);
  }
  return res;
}

export function setup() {
  const res = call('signin', 'POST', '/v1/auth/login', { email: 'organizer@demo.kizuna.example', password: PASSWORD });
  if (res.status !== 200) throw new Error(`organizer sign-in: ${res.status} ${res.body}`);
  const token = json(res).tokens.accessToken;
  const events = json(call('setup', 'GET', '/v1/events?limit=100', undefined, token)).items.map((e) => e.id);
  const communities = json(call('setup', 'GET', '/v1/communities?limit=100', undefined, token)).items.map((c) => c.id);
  if (events.length === 0 || communities.length === 0) throw new Error('no demo events or communities: seed with -demo');
  return { events, communities };
}

// Shared by founders and mentors.

function communityRead(data) {
  switch (Math.floor(Math.random() * 3)) {
    case 0:
      return authed('community_read', 'GET', `/v1/communities?near=${pick(NEAR)}`);
    case 1:
      return authed('community_read', 'GET', `/v1/events?near=${pick(NEAR)}&radiusKm=300`);
    default:
      return authed('community_read', 'GET', `/v1/communities/${pick(data.communities)}/posts`);
  }
}

function rsvp(data) {
  const r = Math.random();
  const status = r < 0.6 ? 'going' : r < 0.85 ? 'not_going' : 'maybe';
  return authed('rsvp', 'POST', `/v1/events/${pick(data.events)}/rsvp`, { status });
}

function activeMentorship() {
  const res = authed('mentorships_read', 'GET', '/v1/mentorships?status=active&limit=20');
  const body = json(res);
  return res.status === 200 && body && body.items.length > 0 ? pick(body.items).id : null;
}

function touchpoint() {
  const id = activeMentorship();
  if (id) authed('touchpoint', 'POST', `/v1/mentorships/${id}/touchpoints`, { kind: pick(['call', 'message', 'online']), durationMinutes: 15, summary: '近況の確認' });
}

// A sign-up with an e-mail that other users may be signing up with right now.
function signUp() {
  const n = Math.floor(Math.random() * SIGNUP_EMAILS);
  call('signup', 'POST', '/v1/auth/register', {
    email: `load-${n}@load.kizuna.example`, password: 'load-test-passphrase-2026', displayName: `負荷 ${n}`, roles: ['founder'],
  });
}

// Founders.

// One or two distinct topics.
function someTopics() {
  return [pick(TOPICS), pick(TOPICS)].filter((t, i, a) => a.indexOf(t) === i);
}

function suggestions() {
  authed('suggestions', 'GET', '/v1/match-suggestions?radiusKm=150&' + someTopics().map((t) => 'topic=' + t).join('&'));
}

function matchRequest() {
  const res = authed('match_request', 'POST', '/v1/match-requests', { topics: someTopics(), radiusKm: 200, message: '販路について相談したいです' });
  const body = json(res);
  if (res.status === 201 && body) {
    const mentors = body.suggestions.map((s) => s.mentor.id);
    if (mentors.length > 0) me.requests.push({ id: body.request.id, mentors });
    if (me.requests.length > 5) me.requests.shift();
  }
}

function introduction() {
  const r = me.requests.find((x) => x.mentors.length > 0);
  if (!r) return matchRequest();
  const mentorId = r.mentors.shift();
  authed('introduction', 'POST', `/v1/match-requests/${r.id}/introductions`, { mentorId, message: 'よろしくお願いします' });
}

const founderOps = [
  [signIn, 4],
  [() => authed('profile_read', 'GET', pick(['/v1/me', '/v1/me/founder-profile'])), 15],
  [suggestions, 20],
  [matchRequest, 8],
  [introduction, 10],
  [touchpoint, 6],
  [communityRead, 15],
  [rsvp, 8],
  [signUp, 2],
];

// Mentors.

function answerIntroduction() {
  const res = authed('introductions_read', 'GET', '/v1/introductions?as=mentor&status=pending&limit=20');
  const body = json(res);
  if (res.status !== 200 || !body || body.items.length === 0) return;
  const intro = pick(body.items);
  if (Math.random() < 0.75) authed('accept', 'POST', `/v1/introductions/${intro.id}/accept`);
  else authed('decline', 'POST', `/v1/introductions/${intro.id}/decline`, { reason: pick(['no_capacity', 'topic_mismatch', 'too_far', 'other']) });
}

function complete() {
  const id = activeMentorship();
  if (id) authed('complete', 'POST', `/v1/mentorships/${id}/complete`, { reflection: 'ありがとうございました', rating: 5, stayInTouch: true });
}

const mentorOps = [
  [signIn, 4],
  [() => authed('profile_read', 'GET', pick(['/v1/me', '/v1/me/mentor-profile'])), 15],
  [answerIntroduction, 25],
  [touchpoint, 8],
  [complete, 4],
  [communityRead, 15],
  [rsvp, 8],
  [signUp, 2],
];

export default function (data) {
  if (!me.role) {
    const vu = __VU - 1;
    me.role = vu % 2 === 0 ? 'founder' : 'mentor';
    me.email = me.role === 'founder' ? demoEmail('founder', (vu >> 1) % FOUNDERS) : demoEmail('mentor', (vu >> 1) % MENTORS);
    signIn();
    // Members read posts; joining is free and idempotent.
    for (const id of data.communities) authed('join', 'POST', `/v1/communities/${id}/join`);
  }
  weighted(me.role === 'founder' ? founderOps : mentorOps)(data);
}
