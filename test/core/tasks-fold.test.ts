import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { foldAccepted } from '../../src/core/tasks/fold.js'
import type { ResultMessage, TaskMessage } from '../../src/core/tasks/messages.js'

const result = (id: string): ResultMessage => ({ kind: 'result', id, attempts: 1, node: 'w1', durationMs: 1, ok: true, value: id })

describe('foldAccepted', () => {
  test('drops accepted ids whose result is in the same batch, keeping order and everything else', () => {
    const msgs: TaskMessage[] = [
      { kind: 'accepted', ids: ['a', 'b', 'c'] },
      { kind: 'rejected', id: 'x', code: 'invalid', reason: 'bad' },
      result('a'),
      { kind: 'accepted', ids: ['d'] },
      result('d'),
      result('c')
    ]
    assert.deepEqual(foldAccepted(msgs), [
      { kind: 'accepted', ids: ['b'] },
      { kind: 'rejected', id: 'x', code: 'invalid', reason: 'bad' },
      result('a'),
      result('d'),
      result('c')
    ])
  })

  test('a batch without results, or without acceptances, is returned as it is', () => {
    const accepted: TaskMessage[] = [{ kind: 'accepted', ids: ['a'] }]
    assert.equal(foldAccepted(accepted), accepted)
    const results: TaskMessage[] = [result('a')]
    assert.equal(foldAccepted(results), results)
    assert.deepEqual(foldAccepted([{ kind: 'accepted', ids: ['a'] }, result('b')]), [{ kind: 'accepted', ids: ['a'] }, result('b')])
  })
})
