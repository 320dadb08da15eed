import { describe, expect, it } from 'vitest';
import { foldSmsText, parseSmsReply } from '#shared/domain/sms-reply.ts';

describe('parseSmsReply', () => {
  it.each([
    ['5', 'csat', 5],
    ['５', 'csat', 5],
    ['5分', 'csat', 5],
    [' 4 分 ', 'csat', 4],
    ['五', 'csat', 5],
    ['five', 'csat', 5],
    ['Four.', 'csat', 4],
    ['非常满意', 'csat', 5],
    ['满意！', 'csat', 4],
    ['不满意', 'csat', 2],
    ['very dissatisfied', 'csat', 1],
    ['10', 'nps', 10],
    ['１０', 'nps', 10],
    ['十分', 'nps', 10],
    ['0', 'nps', 0],
    ['零', 'nps', 0],
    ['7 points', 'nps', 7],
  ] as const)('reads %j at %s as %d', (text, step, value) => {
    expect(parseSmsReply(text, step)).toEqual({ kind: 'score', value });
  });

  it.each([
    ['6', 'csat'],
    ['0', 'csat'],
    ['11', 'nps'],
    ['满意', 'nps'],
    ['maybe', 'csat'],
    ['3 or 4', 'csat'],
    ['', 'csat'],
  ] as const)('cannot read %j at %s', (text, step) => {
    expect(parseSmsReply(text, step)).toEqual({ kind: 'unparseable' });
  });

  it.each([
    'STOP',
    'stop',
    'Unsubscribe',
    'ＳＴＯＰ',
    'TD',
    't',
    '退订',
    '取消',
    'opt-out',
    'STOPALL',
    'arret',
  ])('takes %j as an opt-out at any step', (text) => {
    for (const step of ['csat', 'nps', 'comment'] as const) {
      expect(parseSmsReply(text, step)).toEqual({ kind: 'opt_out' });
    }
  });

  it('matches keywords on the whole message only', () => {
    expect(parseSmsReply('please stop calling me, but 5', 'comment')).toEqual({
      kind: 'comment',
      text: 'please stop calling me, but 5',
    });
    expect(parseSmsReply('stop it', 'csat')).toEqual({ kind: 'unparseable' });
  });

  it('knows START, UNSTOP, 订阅 and HELP', () => {
    expect(parseSmsReply('start', 'csat')).toEqual({ kind: 'opt_in' });
    expect(parseSmsReply('UNSTOP', 'nps')).toEqual({ kind: 'opt_in' });
    expect(parseSmsReply('订阅', 'csat')).toEqual({ kind: 'opt_in' });
    expect(parseSmsReply('help', 'nps')).toEqual({ kind: 'help' });
  });

  it('takes any other text as the comment, and NO or 无 as no comment', () => {
    expect(parseSmsReply('  师傅很专业，准时到达  ', 'comment')).toEqual({
      kind: 'comment',
      text: '师傅很专业，准时到达',
    });
    expect(parseSmsReply('无', 'comment')).toEqual({ kind: 'comment', text: undefined });
    expect(parseSmsReply('No', 'comment')).toEqual({ kind: 'comment', text: undefined });
  });
});

describe('foldSmsText', () => {
  it('folds full-width letters and digits, case and surrounding punctuation', () => {
    expect(foldSmsText('  ＳＴＯＰ！ ')).toBe('STOP');
    expect(foldSmsText('５分。')).toBe('5分');
  });
});
