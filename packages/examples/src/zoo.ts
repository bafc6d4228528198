/**
 * `pnpm zoo`: the loss zoo. For each Gluon loss, the training test of MXNet 1.9.1's
 * `tests/python/unittest/test_loss.py` reproduced: the same network (Dense 128 and 64 with ReLU,
 * then the output layer; SDML's single Dense(10, tanh) encoder), data sizes, optimiser (Adam),
 * learning rates, initialisers, batch sizes, epochs and pass thresholds (1.9.1's, which differ from
 * 1.2's: SoftmaxCE's Xavier(2) initialiser, CTC's learning rate 0.01, Hinge's threshold 0.06, and
 * the tests added since: SDML, PoissonNLL with from_logits=False, SigmoidBCE with pos_weight);
 * plus convergence checks of this project's own for the losses MXNet does not train (Logistic,
 * PoissonNLL from logits, CosineEmbedding).
 *
 * The data are drawn from this project's seeded generator (MXNet's own random streams cannot be
 * reproduced), with the same distributions as MXNet's test.
 *
 * Flags: `--backend cpu|gpujs`, `--mode`, `--epochs` (default 200), `--seed`, `--quiet`, and
 * `--only name,name` to run some cases.
 */
import * as T from '@lossgraph/tensor';
import { exp, logSoftmax, noGrad, type Variable } from '@lossgraph/autograd';
import {
  CosineEmbeddingLoss, CTCLoss, HingeLoss, HuberLoss, KLDivLoss, L1Loss, L2Loss, LogisticLoss, PoissonNLLLoss, SDMLLoss,
  SigmoidBinaryCrossEntropyLoss, SoftmaxCrossEntropyLoss, SquaredHingeLoss, TripletLoss,
} from '@lossgraph/loss';
import { Adam, Dense, Normal, Sequential, Uniform, Xavier, type Initializer } from '@lossgraph/nn';
import { parseFlags, useBackend, type BackendChoice } from './lib/cli.js';
import { defaultOutDir, permutation } from './lib/data.js';
import { displayPath, isMain, runMain, writeOutput } from './lib/output.js';
import { intOption } from './lib/validate.js';
import { ProgressBar, type ProgressSink } from './lib/progress.js';

/**
 * The MXNet release whose test_loss.py the zoo reproduces.
 * @example `MXNET_VERSION   // '1.9.1'`
 */
export const MXNET_VERSION = '1.9.1';

/**
 * Per-sample tensors that travel with the data through batching (labels, positives, weights...).
 * @example `const targets: ZooTargets = { label: T.tensor([0, 1]) };`
 */
export type ZooTargets = Record<string, T.Tensor>;

/**
 * One training problem of the zoo: data, targets, output layer, initialiser, optimiser settings
 * and the per-sample loss.
 * @example `zooCases()[0]!.setup(0).outputs   // 10`
 */
export interface ZooSetup {
  /** Inputs, samples first. */
  readonly data: T.Tensor;
  /** Per-sample targets, samples first. */
  readonly targets: ZooTargets;
  /** Units of the output layer. */
  readonly outputs: number;
  /** Whether the Dense layers flatten (false for CTC's per-frame net). */
  readonly flatten: boolean;
  /**
   * MXNet's initialiser for this test: Xavier(magnitude 2), Module.fit's default Uniform(0.01),
   * Xavier's defaults (SDML) or Normal(0.1) (PoissonNLL with from_logits=False).
   */
  readonly init: 'xavier2' | 'uniform0.01' | 'xavier' | 'normal0.1';
  /** The network: MXNet's three Dense layers ('mlp', the default) or SDML's Dense(10, tanh) encoder. */
  readonly network?: 'mlp' | 'dense10-tanh';
  /** Batch size (default 10). */
  readonly batchSize?: number;
  /** Epochs of MXNet's test (default 200). */
  readonly epochs?: number;
  /** Adam's learning rate. */
  readonly learningRate: number;
  /** Whether MXNet's iterator shuffles. */
  readonly shuffle: boolean;
  /** The per-sample loss of the network's output on a batch (`embed` runs the network on other inputs, for SDML's pairs). */
  readonly loss: (out: Variable, targets: ZooTargets, embed: (x: T.Tensor) => Variable) => Variable;
}

/** A check made after training: a named score (a mean loss) against its bound. */
export interface ZooCheck {
  /** What was scored, e.g. `'loss'` or `'zero-weighted half'`. */
  readonly name: string;
  /** The measured score. */
  readonly score: number;
  /** The pass condition's kind. */
  readonly relation: '<' | '>';
  /** The bound. */
  readonly bound: number;
  /** Whether the score satisfies the bound. */
  readonly passed: boolean;
}

/** A case of the zoo. */
export interface ZooCase {
  /** Short name, e.g. `'softmax-ce'`. */
  readonly name: string;
  /** The loss class trained. */
  readonly loss: string;
  /** The MXNet 1.9.1 test it reproduces, or `'own'` for this project's own convergence checks. */
  readonly source: string;
  /** Data, network and optimiser of the case, from a seed. */
  readonly setup: (seed: number) => ZooSetup;
  /** The checks after training; `score(indices, targets?)` is the mean loss over those samples. */
  readonly checks: (score: (indices?: readonly number[], targets?: ZooTargets) => number, setup: ZooSetup) => ZooCheck[];
}

/** What {@link run} returns for one case. */
export interface ZooResult {
  /** The case's short name. */
  readonly name: string;
  /** The loss class trained. */
  readonly loss: string;
  /** The MXNet test reproduced, or `'own'`. */
  readonly source: string;
  /** The checks after training. */
  readonly checks: readonly ZooCheck[];
  /** Whether every check passed. */
  readonly passed: boolean;
  /** The mean of each epoch's per-sample training losses (the training curve). */
  readonly curve: readonly number[];
  /** Training time, seconds. */
  readonly seconds: number;
}

function check(name: string, score: number, relation: '<' | '>', bound: number): ZooCheck {
  return { name, score, relation, bound, passed: relation === '<' ? score < bound : score > bound };
}

const below = (bound: number) => (score: (indices?: readonly number[]) => number): ZooCheck[] => [check('loss', score(), '<', bound)];

const N = 20;
/** Separate seeds per drawn array, so adding one never changes another. */
const uniform = (shape: number[], seed: number, low = -1, high = 1): T.Tensor => T.rand(shape, { seed, low, high });
const randomClasses = (n: number, classes: number, seed: number): T.Tensor => {
  const rng = new T.Random(seed);
  return T.tensor(Int32Array.from({ length: n }, () => rng.int(classes)), [n], 'int32');
};
const signs = (shape: number[], seed: number): T.Tensor => T.sign(uniform(shape, seed));

/** The regression setup MXNet's L2, L1 and Huber tests share. */
function regression(seed: number, loss: (out: Variable, label: T.Tensor) => Variable): ZooSetup {
  return {
    data: uniform([N, 10], seed), targets: { label: uniform([N, 1], seed + 1) }, outputs: 1, flatten: true,
    init: 'xavier2', learningRate: 0.01, shuffle: true, loss: (out, t) => loss(out, t.label!),
  };
}

/** The ±1 classification setup of MXNet's Hinge and SquaredHinge tests. */
function signedClassification(seed: number, loss: (out: Variable, label: T.Tensor) => Variable): ZooSetup {
  return {
    data: uniform([N, 10], seed), targets: { label: signs([N, 1], seed + 1) }, outputs: 1, flatten: true,
    init: 'xavier2', learningRate: 0.01, shuffle: true, loss: (out, t) => loss(out, t.label!),
  };
}

/** Counts from a Poisson law of rate `rate` (Knuth's product of uniforms). */
function poissonCounts(rates: ArrayLike<number>, rng: T.Random): number[] {
  return Array.from(rates, (rate) => {
    let k = 0;
    for (let p = Math.exp(-rate), s = p, u = rng.next(); u > s; s += p) p *= rate / ++k;
    return k;
  });
}

/** MXNet 1.9.1's test_ce_loss (Xavier(2), since 1.3.0) and test_sample_weight_loss (Module.fit's default initialiser). */
function softmaxCESetup(seed: number, withWeight: boolean): ZooSetup {
  const ce = new SoftmaxCrossEntropyLoss();
  const targets: ZooTargets = { label: randomClasses(N, 10, seed + 1) };
  // MXNet's weights: 1 for the first ten samples, 0 for the last ten.
  if (withWeight) targets.weight = T.tensor(Array.from({ length: N }, (_, i) => (i < N / 2 ? 1 : 0)), [N, 1]);
  return {
    data: uniform([N, 10], seed), targets, outputs: 10, flatten: true, init: withWeight ? 'uniform0.01' : 'xavier2', learningRate: 0.01, shuffle: false,
    loss: (out, t) => ce.forward(out, t.label!, t.weight === undefined ? {} : { sampleWeight: t.weight }),
  };
}

/**
 * The cases of the zoo, in MXNet's order, then this project's own.
 * @example `zooCases().map((c) => c.name)`
 */
export function zooCases(): readonly ZooCase[] {
  return [
    {
      name: 'softmax-ce', loss: 'SoftmaxCrossEntropyLoss', source: 'test_ce_loss',
      setup: (seed) => softmaxCESetup(seed, false), checks: below(0.05),
    },
    {
      name: 'sigmoid-bce', loss: 'SigmoidBinaryCrossEntropyLoss', source: 'test_bce_loss',
      setup: (seed) => {
        const bce = new SigmoidBinaryCrossEntropyLoss();
        return {
          data: uniform([N, 20], seed), targets: { label: T.cast(randomClasses(N, 2, seed + 1), 'float32') }, outputs: 1, flatten: true,
          init: 'xavier2', learningRate: 0.01, shuffle: false, loss: (out, t) => bce.forward(out, t.label!),
        };
      },
      checks: below(0.01),
    },
    {
      name: 'kldiv', loss: 'KLDivLoss', source: 'test_kl_loss',
      setup: (seed) => {
        const kl = new KLDivLoss();
        return {
          data: uniform([N, 10], seed), targets: { label: T.softmax(uniform([N, 2], seed + 1, 0, 1), -1) }, outputs: 2, flatten: true,
          init: 'uniform0.01', learningRate: 0.01, shuffle: false, loss: (out, t) => kl.forward(logSoftmax(out, -1), t.label!),
        };
      },
      checks: below(0.05),
    },
    { name: 'l2', loss: 'L2Loss', source: 'test_l2_loss', setup: (seed) => { const l = new L2Loss(); return regression(seed, (o, y) => l.forward(o, y)); }, checks: below(0.05) },
    { name: 'l1', loss: 'L1Loss', source: 'test_l1_loss', setup: (seed) => { const l = new L1Loss(); return regression(seed, (o, y) => l.forward(o, y)); }, checks: below(0.1) },
    {
      name: 'ctc', loss: 'CTCLoss', source: 'test_ctc_loss_train',
      setup: (seed) => {
        const ctc = new CTCLoss({ layout: 'NTC', labelLayout: 'NT' });
        // MXNet's labels: arange(4, repeat=N).reshape(N, 4), i.e. five rows of 0s, five of 1s, ...
        const labels = T.reshape(T.tensor(Array.from({ length: 4 * N }, (_, i) => Math.floor(i / N))), [N, 4]);
        return {
          data: uniform([N, 20, 10], seed), targets: { label: labels }, outputs: 5, flatten: false,
          init: 'xavier2', learningRate: 0.01, shuffle: true, loss: (out, t) => ctc.forward(out, t.label!),
        };
      },
      checks: below(10),
    },
    {
      name: 'sample-weight', loss: 'SoftmaxCrossEntropyLoss (sampleWeight)', source: 'test_sample_weight_loss',
      setup: (seed) => softmaxCESetup(seed, true),
      checks: (score, setup) => {
        const first = Array.from({ length: N / 2 }, (_, i) => i);
        const last = first.map((i) => i + N / 2);
        // Each half is scored unweighted, as MXNet scores them with weights of one. MXNet's
        // iterator pairs the last ten inputs with the first ten labels (its label array is not
        // sliced); here each sample keeps its own label, which asks the same question: the
        // zero-weighted samples were not learnt.
        const unweighted = { label: setup.targets.label! };
        return [check('weighted half', score(first, unweighted), '<', 0.05), check('zero-weighted half', score(last, unweighted), '>', 1)];
      },
    },
    { name: 'huber', loss: 'HuberLoss', source: 'test_huber_loss', setup: (seed) => { const l = new HuberLoss(); return regression(seed, (o, y) => l.forward(o, y)); }, checks: below(0.05) },
    { name: 'hinge', loss: 'HingeLoss', source: 'test_hinge_loss', setup: (seed) => { const l = new HingeLoss(); return signedClassification(seed, (o, y) => l.forward(o, y)); }, checks: below(0.06) },
    {
      name: 'squared-hinge', loss: 'SquaredHingeLoss', source: 'test_squared_hinge_loss',
      setup: (seed) => { const l = new SquaredHingeLoss(); return signedClassification(seed, (o, y) => l.forward(o, y)); }, checks: below(0.05),
    },
    {
      name: 'triplet', loss: 'TripletLoss', source: 'test_triplet_loss',
      setup: (seed) => {
        const triplet = new TripletLoss();
        return {
          data: uniform([N, 10], seed), targets: { pos: uniform([N, 10], seed + 1), neg: uniform([N, 10], seed + 2) }, outputs: 10, flatten: true,
          init: 'xavier2', learningRate: 0.01, shuffle: true, loss: (out, t) => triplet.forward(out, t.pos!, t.neg!),
        };
      },
      checks: below(0.05),
    },
    {
      name: 'sdml', loss: 'SDMLLoss', source: 'test_sdml_loss',
      setup: (seed) => {
        const sdml = new SDMLLoss();
        // Five pairs of 10-d points, each positive a small perturbation of its anchor.
        const data = uniform([5, 10], seed);
        return {
          data, targets: { pos: T.add(data, uniform([5, 10], seed + 1, -0.1, 0.1)) }, outputs: 10, flatten: true, network: 'dense10-tanh',
          init: 'xavier', learningRate: 0.1, shuffle: false, batchSize: 5, epochs: 20,
          loss: (out, t, embed) => sdml.forward(out, embed(t.pos!)),
        };
      },
      // MXNet scores the last training batch's mean loss; here the mean loss after training.
      checks: below(0.05),
    },
    {
      name: 'poisson-nll-mod', loss: 'PoissonNLLLoss (fromLogits false)', source: 'test_poisson_nllloss_mod',
      setup: (seed) => {
        const poisson = new PoissonNLLLoss({ fromLogits: false });
        const rng = new T.Random(seed + 1);
        const samples = 1000;
        const data = T.tensor(poissonCounts(new Float64Array(2 * samples).fill(1), rng), [samples, 2]);
        const label = T.tensor(poissonCounts(new Float64Array(samples).fill(4), rng), [samples, 1]);
        return {
          data, targets: { label }, outputs: 1, flatten: true, init: 'normal0.1', learningRate: 0.01, shuffle: true, batchSize: 20, epochs: 20,
          loss: (out, t) => poisson.forward(exp(out), t.label!),
        };
      },
      checks: below(0.05),
    },
    {
      name: 'bce-pos-weight', loss: 'SigmoidBinaryCrossEntropyLoss (posWeight)', source: 'test_bce_loss_with_pos_weight',
      setup: (seed) => {
        const bce = new SigmoidBinaryCrossEntropyLoss();
        const rng = new T.Random(seed + 3);
        const samples = 5 + rng.int(25);   // MXNet: np.random.randint(5, 30)
        const posWeight = T.broadcastTo(uniform([1, 5], seed + 2, 0, 10), [samples, 5]);
        return {
          data: uniform([samples, 20], seed), targets: { label: T.cast(T.reshape(randomClasses(samples * 5, 2, seed + 1), [samples, 5]), 'float32'), posWeight },
          outputs: 5, flatten: true, init: 'xavier2', learningRate: 0.01, shuffle: false,
          loss: (out, t) => bce.forward(out, t.label!, { posWeight: t.posWeight! }),
        };
      },
      checks: below(0.01),
    },
    {
      name: 'logistic', loss: 'LogisticLoss', source: 'own',
      setup: (seed) => { const l = new LogisticLoss({ labelFormat: 'signed' }); return signedClassification(seed, (o, y) => l.forward(o, y)); }, checks: below(0.05),
    },
    {
      name: 'poisson-nll', loss: 'PoissonNLLLoss', source: 'own',
      setup: (seed) => {
        const poisson = new PoissonNLLLoss();
        // Counts from a Poisson law whose log-rate is a fixed linear function of the inputs.
        const data = uniform([N, 10], seed);
        const logRate = T.matmul(data, uniform([10, 1], seed + 1, -0.6, 0.6));
        const counts = poissonCounts(T.exp(logRate).dataSync(), new T.Random(seed + 2));
        return {
          data, targets: { label: T.tensor(counts, [N, 1]) }, outputs: 1, flatten: true,
          init: 'xavier2', learningRate: 0.01, shuffle: true, loss: (out, t) => poisson.forward(out, t.label!),
        };
      },
      // exp(p) - y·p is smallest at p = log y, where it is y - y·log y (0 for y = 0): a net that
      // fits the counts must come within a small gap of that floor.
      checks: (score, setup) => {
        const y = Array.from(setup.targets.label!.dataSync());
        const floor = y.reduce((acc, v) => acc + (v > 0 ? v - v * Math.log(v) : 0), 0) / y.length;
        return [check('gap to the minimum', score() - floor, '<', 0.05)];
      },
    },
    {
      name: 'cosine-embedding', loss: 'CosineEmbeddingLoss', source: 'own',
      setup: (seed) => {
        const cosine = new CosineEmbeddingLoss();
        return {
          data: uniform([N, 10], seed), targets: { other: uniform([N, 10], seed + 1), label: signs([N], seed + 2) }, outputs: 10, flatten: true,
          init: 'xavier2', learningRate: 0.01, shuffle: true, loss: (out, t) => cosine.forward(out, t.other!, t.label!),
        };
      },
      checks: below(0.05),
    },
  ];
}

/** Options of {@link run}. */
export interface ZooOptions extends Partial<BackendChoice> {
  /** Names of the cases to run (default all). */
  readonly only?: readonly string[];
  /** Epochs per case (default 200, as MXNet). */
  readonly epochs?: number;
  /** Seed of the data, the initialisation and the shuffling (default 0). */
  readonly seed?: number;
  /** Where to write the summary JSON; null writes nothing (default `out/zoo`). */
  readonly outDir?: string | null;
  /** Where the progress bars go; null for none (default stderr). */
  readonly progress?: ProgressSink | null;
}

function initializerOf(kind: ZooSetup['init']): Initializer {
  switch (kind) {
    case 'xavier2':
      return new Xavier({ magnitude: 2 });
    case 'xavier':
      return new Xavier();
    case 'normal0.1':
      return new Normal(0.1);
    case 'uniform0.01':
      return new Uniform(0.01);
  }
}

function pickRows(t: T.Tensor, indices: readonly number[]): T.Tensor {
  return T.gather(t, T.tensor(Int32Array.from(indices), [indices.length], 'int32'), 0);
}

/**
 * Trains one case as MXNet's test does: batches of 10, Adam, `step(batchSize)` on the per-sample
 * loss (MXNet's rescale_grad of 1/batch), then scores the mean loss.
 *
 * @param zooCase - the case
 * @param options - epochs, seed, progress
 * @returns its checks and curve
 * @example `trainCase(zooCases()[0]!, { epochs: 200 })`
 */
export function trainCase(zooCase: ZooCase, options: { epochs?: number; seed?: number; progress?: ProgressSink | null } = {}): ZooResult {
  const seed = intOption('zoo.trainCase', 'seed', options.seed, 0, 0);
  const setup = zooCase.setup(seed);
  const epochs = intOption('zoo.trainCase', 'epochs', options.epochs, setup.epochs ?? 200);
  const n = setup.data.shape[0]!;
  const batchSize = setup.batchSize ?? 10;
  const net = new Sequential();
  if (setup.network === 'dense10-tanh') net.add(new Dense(10, { activation: 'tanh', flatten: setup.flatten }));
  else {
    net.add(
      new Dense(128, { activation: 'relu', flatten: setup.flatten }),
      new Dense(64, { activation: 'relu', flatten: setup.flatten }),
      new Dense(setup.outputs, { flatten: setup.flatten }),
    );
  }
  const embed = (x: T.Tensor): Variable => net.forward(x);
  net.initialize({ init: initializerOf(setup.init), seed });
  const opt = new Adam(net, { learningRate: setup.learningRate });
  const all = Array.from({ length: n }, (_, i) => i);
  const batchOf = (indices: readonly number[], targets: ZooTargets): { x: T.Tensor; t: ZooTargets } => ({
    x: pickRows(setup.data, indices),
    t: Object.fromEntries(Object.entries(targets).map(([k, v]) => [k, pickRows(v, indices)])),
  });
  const score = (indices: readonly number[] = all, targets: ZooTargets = setup.targets): number => T.tidy(() => noGrad(() => {
    const { x, t } = batchOf(indices, targets);
    return T.mean(setup.loss(net.forward(x), t, embed).value).item();
  }));

  const bar = new ProgressBar(zooCase.name.padEnd(16), epochs, options.progress === undefined ? process.stderr : options.progress);
  const curve: number[] = [];
  const start = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = setup.shuffle ? Array.from(permutation(n, seed * 100_003 + epoch)) : all;
    let lossSum = 0;
    for (let b = 0; b < n; b += batchSize) {
      // A tidy per step frees the step's tensors at once (see the nn README).
      lossSum += T.tidy(() => {
        const { x, t } = batchOf(order.slice(b, b + batchSize), setup.targets);
        opt.zeroGrad();
        const l = setup.loss(net.forward(x), t, embed);
        const total = T.sum(l.value).item();
        l.backward();
        opt.step(x.shape[0]);
        return total;
      });
    }
    curve.push(lossSum / n);
    bar.update(epoch, { loss: curve[epoch - 1]! });
  }
  bar.done();
  const seconds = (performance.now() - start) / 1000;
  const checks = zooCase.checks(score, setup);
  return { name: zooCase.name, loss: zooCase.loss, source: zooCase.source, checks, passed: checks.every((c) => c.passed), curve, seconds };
}

/**
 * Runs the zoo (or some of its cases) and writes a summary.
 *
 * @param options - see {@link ZooOptions}
 * @returns one result per case
 * @throws TypeError naming an unknown case in `only`
 * @example
 * ```ts
 * const [ce] = await run({ only: ['softmax-ce'], outDir: null, progress: null });
 * ce.passed;   // true
 * ```
 */
export async function run(options: ZooOptions = {}): Promise<ZooResult[]> {
  useBackend({ backend: options.backend ?? 'cpu', mode: options.mode ?? 'webasm' });
  const cases = zooCases();
  const names = new Set(cases.map((c) => c.name));
  for (const name of options.only ?? []) {
    if (!names.has(name)) throw new TypeError(`zoo: unknown case '${name}' in only; expected some of ${[...names].join(', ')}`);
  }
  const selected = options.only === undefined ? cases : cases.filter((c) => options.only!.includes(c.name));
  const results = selected.map((c) => trainCase(c, {
    ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.progress === undefined ? {} : { progress: options.progress }),
  }));
  const outDir = options.outDir === undefined ? defaultOutDir('zoo') : options.outDir;
  if (outDir !== null) {
    const summary = { mxnetVersion: MXNET_VERSION, cases: results.map(({ curve, ...rest }) => ({ ...rest, finalTrainLoss: curve.at(-1) })) };
    writeOutput(outDir, 'summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  }
  return results;
}

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseFlags(argv, { extra: { only: 'a comma-separated list of case names' } });
  const only = flags.extra.only?.split(',');
  const outDir = flags.outDir ?? defaultOutDir('zoo');
  console.log(`zoo: MXNet ${MXNET_VERSION}'s loss training tests (tests/python/unittest/test_loss.py) on backend ${useBackend(flags)}`);
  const results = await run({
    backend: flags.backend, mode: flags.mode, outDir,
    ...(only === undefined ? {} : { only }),
    ...(flags.epochs === undefined ? {} : { epochs: flags.epochs }),
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
    progress: flags.quiet ? null : process.stderr,
  });
  for (const r of results) {
    const checks = r.checks.map((c) => `${c.name} ${c.score.toFixed(4)} ${c.relation} ${c.bound}`).join('; ');
    console.log(`${r.passed ? 'PASS' : 'FAIL'}  ${r.name.padEnd(16)} ${r.loss.padEnd(40)} ${checks}  (${r.seconds.toFixed(1)} s, ${r.source === 'own' ? 'own check' : `MXNet ${MXNET_VERSION} ${r.source}`})`);
  }
  console.log(`${results.filter((r) => r.passed).length}/${results.length} passed`);
  console.log(`wrote ${displayPath(`${outDir}/summary.json`)}`);
  if (results.some((r) => !r.passed)) process.exitCode = 1;
}

if (isMain(import.meta.url)) runMain(() => main(process.argv.slice(2)));
