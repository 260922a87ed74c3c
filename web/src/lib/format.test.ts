import { fieldMessage, formatRelative } from './format';

describe('fieldMessage', () => {
  it('puts the label before a fragment', () => {
    expect(fieldMessage('Email', 'must not be empty')).toBe('Email must not be empty.');
  });

  it('keeps a whole sentence as it is', () => {
    expect(fieldMessage('Email', 'A user with this email already exists.')).toBe('A user with this email already exists.');
  });

  it('returns undefined without a message', () => {
    expect(fieldMessage('Email', undefined)).toBeUndefined();
  });
});

describe('formatRelative', () => {
  const now = new Date('2025-03-10T12:00:00Z');

  it('says just now under a minute', () => {
    expect(formatRelative('2025-03-10T11:59:30Z', now)).toBe('just now');
  });

  it('counts minutes, hours and days', () => {
    expect(formatRelative('2025-03-10T11:55:00Z', now)).toBe('5 minutes ago');
    expect(formatRelative('2025-03-10T09:00:00Z', now)).toBe('3 hours ago');
    expect(formatRelative('2025-03-08T12:00:00Z', now)).toBe('2 days ago');
  });
});
