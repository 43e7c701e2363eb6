import { describe, expect, it } from 'vitest';
import { maskText } from './phrase-text';
import { readTriggerPhrases } from './trigger-phrases';

const cronOf = (text: string): string | null => {
  const { trigger } = readTriggerPhrases({ text: maskText(text).text, timezone: 'UTC' });
  return trigger?.type === 'schedule' ? trigger.schedule.cron : null;
};

describe('schedules in words', () => {
  it.each([
    ['every weekday at 9', '0 9 * * 1-5'],
    ['every day at 7:30', '30 7 * * *'],
    ['daily at 6pm', '0 18 * * *'],
    ['every monday at 10am', '0 10 * * 1'],
    ['on mondays and fridays at 8', '0 8 * * 1,5'],
    ['every mon, wed and fri at 7:15', '15 7 * * 1,3,5'],
    ['monday to friday at 8:30am', '30 8 * * 1-5'],
    ['every weekend at 10', '0 10 * * 0,6'],
    ['every hour', '0 * * * *'],
    ['hourly', '0 * * * *'],
    ['every 2 hours', '0 */2 * * *'],
    ['every 15 minutes', '*/15 * * * *'],
    ['every fifteen minutes', '*/15 * * * *'],
    ['every minute', '* * * * *'],
    ['every half hour', '*/30 * * * *'],
    ['every 60 minutes', '0 * * * *'],
    ['every morning', '0 9 * * *'],
    ['every evening', '0 18 * * *'],
    ['weekly', '0 9 * * 1'],
    ['weekly on friday at 5pm', '0 17 * * 5'],
    ['monthly', '0 9 1 * *'],
    ['on the 1st of every month at 9', '0 9 1 * *'],
    ['on the 15th of each month at 6:45', '45 6 15 * *'],
    ['at noon', '0 12 * * *'],
    ['at midnight', '0 0 * * *'],
    ['every day at noon', '0 12 * * *'],
    ['every day at 9am and 5pm', '0 9,17 * * *'],
    ['every other day', '0 9 */2 * *'],
    ['12am every day', '0 0 * * *'],
    ['every sunday at 12pm', '0 12 * * 0'],
  ])('%s -> %s', (text, cron) => {
    expect(cronOf(text)).toBe(cron);
  });

  it.each([
    'write a weekly report',
    'post the daily digest',
    'wait until 5pm',
    'look at 3 files',
    'for each item in the list',
    'run `sleep 9`',
    'wait 10 minutes',
  ])('%s: no schedule', (text) => {
    expect(cronOf(text)).toBeNull();
  });

  it('does not schedule faster than cron can, and says so', () => {
    const read = readTriggerPhrases({ text: 'every 30 seconds', timezone: 'UTC' });
    expect(read.trigger).toBeNull();
    expect(read.notes.join()).toMatch(/once a minute/);
  });

  it('reports the ranges it read, so actions are read without them', () => {
    const text = 'every weekday at 9, summarise open issues';
    const read = readTriggerPhrases({ text, timezone: 'UTC' });
    const said = read.ranges.map(([start, end]) => text.slice(start, end)).sort();
    expect(said).toEqual(['at 9', 'every weekday']);
  });

  it('takes an IANA timezone from the text, else the default', () => {
    expect(readTriggerPhrases({ text: 'every day at 8 Europe/Berlin', timezone: 'UTC' }).trigger).toEqual({
      type: 'schedule',
      schedule: { cron: '0 8 * * *', timezone: 'Europe/Berlin' },
    });
    expect(readTriggerPhrases({ text: 'every day at 8', timezone: 'Asia/Tokyo' }).trigger).toEqual({
      type: 'schedule',
      schedule: { cron: '0 8 * * *', timezone: 'Asia/Tokyo' },
    });
  });
});

describe('webhooks', () => {
  it.each(['when a webhook arrives', 'on webhook', 'when called by http', 'whenever an http request comes in', 'triggered by a webhook'])('%s', (text) => {
    expect(readTriggerPhrases({ text: maskText(text).text, timezone: 'UTC' }).trigger).toEqual({ type: 'webhook' });
  });

  it('is not confused by a webhook URL to post to', () => {
    const text = maskText('post to slack webhook https://hooks.slack.com/services/x and via webhook https://example.com/hook').text;
    expect(readTriggerPhrases({ text, timezone: 'UTC' }).trigger).toBeNull();
  });

  it('prefers a schedule when both are said', () => {
    const read = readTriggerPhrases({ text: 'every hour or when a webhook arrives', timezone: 'UTC' });
    expect(read.trigger).toMatchObject({ type: 'schedule' });
    expect(read.notes.join()).toMatch(/both a schedule and a webhook/);
  });
});
