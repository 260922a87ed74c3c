import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** One emailed magic link. */
export interface SentLink {
  email: string;
  link: string;
}

/** A source of the magic links that the API sent. */
export interface Mailbox {
  /** Describes the source for error messages. */
  readonly source: string;
  /** Every link sent so far, oldest first. */
  sent(): Promise<SentLink[]>;
}

/** One line of the builtin provider's MAIL_OUTBOX file. */
interface OutboxMail {
  to: string;
  subject: string;
  link: string;
  sent_at: string;
}

/** Reads the links from the MAIL_OUTBOX file, one JSON mail a line, that the builtin provider writes. */
export function outboxFileMailbox(path: string): Mailbox {
  return {
    source: path,
    async sent() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as OutboxMail)
        .map((mail) => ({ email: mail.to, link: mail.link }));
    },
  };
}

/** One entry of fake-stytch's `GET /_fake/outbox`. */
interface FakeStytchMail {
  email: string;
  kind: 'invite' | 'login' | 'signup';
  link: string;
  token: string;
  user_id: string;
  sent_at: string;
  expires_at: string;
}

/** Reads the links that fake-stytch sent from its `GET /_fake/outbox`, which lists them in send order. */
export function fakeStytchMailbox(fakeURL: string): Mailbox {
  const outboxURL = `${fakeURL}/_fake/outbox`;
  return {
    source: outboxURL,
    async sent() {
      const response = await fetch(outboxURL);
      if (!response.ok) {
        throw new Error(`GET ${outboxURL} answered ${response.status}: ${await response.text()}`);
      }
      const mails = (await response.json()) as FakeStytchMail[];
      return mails.map((mail) => ({ email: mail.email, link: mail.link }));
    },
  };
}

/**
 * Waits for a link to `email` after the first `after` links of the
 * mailbox, because `POST /login` sends its mail after it responds.
 */
export async function waitForLink(mailbox: Mailbox, email: string, after: number): Promise<string> {
  const deadline = Date.now() + 10_000;

  while (Date.now() < deadline) {
    const found = (await mailbox.sent()).slice(after).find((entry) => entry.email.toLowerCase() === email.toLowerCase());
    if (found) {
      return found.link;
    }
    await sleep(100);
  }
  throw new Error(`no link to ${email} arrived in ${mailbox.source} within 10 s`);
}
