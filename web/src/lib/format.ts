const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 60 * 60],
  ['month', 30 * 24 * 60 * 60],
  ['week', 7 * 24 * 60 * 60],
  ['day', 24 * 60 * 60],
  ['hour', 60 * 60],
  ['minute', 60],
];

/** Formats a timestamp as a full local date and time, for titles and screen readers. */
export function formatDateTime(iso: string): string {
  return dateTimeFormat.format(new Date(iso));
}

/** Formats a timestamp relative to `now`, such as "5 minutes ago" or "just now". */
export function formatRelative(iso: string, now: Date = new Date()): string {
  const seconds = Math.round((new Date(iso).getTime() - now.getTime()) / 1000);

  for (const [unit, unitSeconds] of units) {
    if (Math.abs(seconds) >= unitSeconds) {
      return relativeFormat.format(Math.trunc(seconds / unitSeconds), unit);
    }
  }
  return 'just now';
}

/**
 * Phrases a field error from the API beside its input. The API writes most
 * messages to follow the field's name ("must not be empty"); conflicts
 * come as whole sentences.
 */
export function fieldMessage(label: string, message: string | undefined): string | undefined {
  if (!message) {
    return undefined;
  }

  const sentence = /^[A-Z]/.test(message) ? message : `${label} ${message}`;
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
