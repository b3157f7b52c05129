// Unit tests of the page's pure helpers (www/state.js): no browser needed.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  flatten,
  historyCsv,
  lambdaAtPosition,
  LAMBDA_POSITIONS,
  numberJson,
  pairsJson,
  pairsText,
  positionOfLambda,
  widthsJson,
} from '../../www/state.js';

// The URL hash is Rust's (src/urlhash.rs): tests/urlhash.rs tests it, lab.test.mjs tests the page's use of it.

test('typed numbers stay as typed; anything else becomes a JSON string for Rust to refuse', () => {
  assert.equal(numberJson('-1'), '-1');
  assert.equal(numberJson(' 1e-3 '), '1e-3');
  assert.equal(numberJson('.5'), '0.5');
  assert.equal(numberJson('+2'), '2');
  assert.equal(numberJson('fast'), '"fast"');
  assert.equal(numberJson(''), '""');
  assert.equal(widthsJson('64, 64'), '[64,64]');
  assert.equal(widthsJson(' '), '[]');
  assert.equal(widthsJson('0'), '[0]');
  assert.equal(widthsJson('64,x'), '[64,"x"]');
});

test('digit pairs: "p-q" (or "p vs q") per task, anything else a JSON string for Rust to refuse', () => {
  assert.equal(pairsJson('0-1, 7-9'), '[[0,1],[7,9]]');
  assert.equal(pairsJson('3 vs 8,2 5'), '[[3,8],[2,5]]');
  assert.equal(pairsJson(' '), '[]');
  assert.equal(pairsJson('0-1, seven'), '[[0,1],"seven"]');
  assert.equal(pairsText([[0, 1], [7, 9]]), '0-1, 7-9');
  assert.equal(pairsJson(pairsText([[4, 9]])), '[[4,9]]');
});

test('the λ slider: position 0 is λ = 0, the rest are tenths of a decade', () => {
  assert.equal(lambdaAtPosition(0), '0');
  assert.equal(lambdaAtPosition(1), '0.000001');
  assert.equal(lambdaAtPosition(41), '0.01');
  assert.equal(lambdaAtPosition(44), '0.02');
  assert.equal(lambdaAtPosition(LAMBDA_POSITIONS), '10');
  for (let p = 0; p <= LAMBDA_POSITIONS; p++) assert.equal(positionOfLambda(Number(lambdaAtPosition(p))), p);
  assert.equal(positionOfLambda(0), 0);
  assert.equal(positionOfLambda(1000), LAMBDA_POSITIONS);
});

test('metrics CSV flattens like the CLI: layers indexed from 1, spectra skipped, null as NaN', () => {
  const point = { step: 10, loss: 0.5, rank_bound: null, layers: [{ frobenius: 2, singular_values: [2, 1], trained: true }] };
  assert.deepEqual(flatten(point), [
    ['step', 10],
    ['loss', 0.5],
    ['rank_bound', NaN],
    ['layers.1.frobenius', 2],
    ['layers.1.trained', 1],
  ]);
  const csv = historyCsv({ tasks: [{ task: 'a', history: { points: [point, { ...point, step: 20 }] } }] });
  assert.equal(csv, 'task,step,loss,rank_bound,layers.1.frobenius,layers.1.trained\na,10,0.5,NaN,2,1\na,20,0.5,NaN,2,1\n');
});
