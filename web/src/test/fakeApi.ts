import type { User } from '../api/client';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Answer = { status: number; body?: unknown };

/** A stand-in for the API that serves requests from memory, as the real API does for these tests' cases. */
export class FakeApi {
  users: User[] = [];
  signedInUserId: number | null = 1;
  requests: RecordedRequest[] = [];
  /** Queued responses by method and path, such as `GET /users`, sent before the usual handling. */
  overrides = new Map<string, Answer[]>();
  private nextId = 1;

  constructor(userCount = 1) {
    for (let index = 0; index < userCount; index += 1) {
      this.addUser(index === 0 ? 'Admin' : `User ${String(index).padStart(2, '0')}`, index === 0 ? 'admin@example.com' : `user${index}@example.com`);
    }
    const admin = this.users[0];
    if (admin) {
      admin.status = 'active';
      admin.last_login_at = new Date(Date.now() - 5 * 60 * 1000).toISOString();
    }
  }

  addUser(name: string, email: string): User {
    const now = new Date().toISOString();
    const user: User = {
      id: this.nextId++,
      name,
      email,
      status: 'invited',
      created_at: now,
      updated_at: now,
      last_login_at: null,
    };
    this.users.push(user);
    return user;
  }

  /** Queues `answer` as the next response to `method path`. */
  answerOnce(method: string, path: string, answer: Answer) {
    const key = `${method} ${path}`;
    this.overrides.set(key, [...(this.overrides.get(key) ?? []), answer]);
  }

  requestsTo(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.method === method && request.path === path);
  }

  fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const text = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
    const body: unknown = text ? JSON.parse(text) : undefined;
    this.requests.push({ method: request.method, path: url.pathname, query: url.searchParams, body });

    const key = `${request.method} ${url.pathname}`;
    const queued = this.overrides.get(key);
    const answer = queued?.shift() ?? this.handle(request.method, url, body);
    return respond(answer);
  };

  private handle(method: string, url: URL, body: unknown): Answer {
    if (method === 'POST' && url.pathname === '/login') {
      const email = (body as { email: string }).email;
      if (!email.includes('@')) {
        return invalid('email', 'must be an email address such as ada@example.com');
      }
      return { status: 202, body: { message: 'If this email belongs to a user, a sign-in link is on its way.' } };
    }
    if (method === 'POST' && url.pathname === '/logout') {
      this.signedInUserId = null;
      return { status: 204 };
    }

    const me = this.users.find((user) => user.id === this.signedInUserId);
    if (!me) {
      return problem(401, 'Unauthorized', 'Sign in first: this request has no session.');
    }

    if (method === 'GET' && url.pathname === '/me') {
      return { status: 200, body: { user: me, expires_at: new Date(Date.now() + 3_600_000).toISOString() } };
    }
    if (method === 'GET' && url.pathname === '/users') {
      return this.listUsers(url.searchParams);
    }
    if (method === 'POST' && url.pathname === '/invite') {
      return this.invite(body as { email: string; name?: string });
    }

    const match = /^\/users\/(\d+)$/.exec(url.pathname);
    const user = match ? this.users.find((candidate) => candidate.id === Number(match[1])) : undefined;
    if (match && !user) {
      return problem(404, 'Not found', 'There is no such user.');
    }
    if (method === 'PATCH' && user) {
      const changes = body as { name?: string; email?: string };
      if (changes.name !== undefined && changes.name.trim() === '') {
        return invalid('name', 'must not be empty');
      }
      Object.assign(user, changes, { updated_at: new Date().toISOString() });
      return { status: 200, body: user };
    }
    if (method === 'DELETE' && user) {
      if (user.id === me.id) {
        return { status: 409, body: { type: '/problems/conflict', title: 'Conflict', status: 409, detail: 'You cannot delete your own account.', errors: [{ field: 'id', message: 'You cannot delete your own account.' }] } };
      }
      this.users = this.users.filter((candidate) => candidate.id !== user.id);
      return { status: 204 };
    }
    return problem(404, 'Not found', 'There is nothing at this path.');
  }

  private listUsers(query: URLSearchParams): Answer {
    const limit = Number(query.get('limit') ?? 50);
    const afterId = Number(query.get('cursor') ?? 0);
    const search = (query.get('q') ?? '').toLowerCase();

    const matching = this.users.filter(
      (user) => user.id > afterId && (user.name.toLowerCase().includes(search) || user.email.toLowerCase().includes(search)),
    );
    const page = matching.slice(0, limit);
    const nextCursor = matching.length > limit ? String(page[page.length - 1]?.id) : null;
    return { status: 200, body: { users: page, next_cursor: nextCursor } };
  }

  private invite(invitation: { email: string; name?: string }): Answer {
    if (!invitation.email.includes('@') || invitation.email.endsWith('@')) {
      return invalid('email', 'has an invalid domain after the @');
    }
    const existing = this.users.find((user) => user.email === invitation.email);
    if (existing) {
      return { status: 200, body: existing };
    }
    return { status: 201, body: this.addUser(invitation.name ?? invitation.email.split('@')[0] ?? '', invitation.email) };
  }
}

function respond({ status, body }: Answer): Response {
  if (body === undefined) {
    return new Response(null, { status });
  }
  const contentType = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': contentType } });
}

export function problem(status: number, title: string, detail: string): Answer {
  return { status, body: { type: `/problems/${title.toLowerCase().replace(/ /g, '-')}`, title, status, detail } };
}

function invalid(field: string, message: string): Answer {
  return {
    status: 400,
    body: {
      type: '/problems/invalid-input',
      title: 'Invalid input',
      status: 400,
      detail: `${field} ${message}.`,
      errors: [{ field, message }],
    },
  };
}
