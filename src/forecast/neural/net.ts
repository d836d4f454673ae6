// The network, its quantile head and the pinball loss, in tfjs.
//
// A direct multi-horizon MLP: INPUT_SIZE -> HIDDEN (relu) -> HIDDEN (relu) -> HORIZON_HOURS x 3.
// Only standard layers, so model.json loads on any backend with no custom classes. The head
// (outside the saved graph, in headQuantiles) makes the quantiles monotone: p50 = the block mean
// 24 hours earlier (seasonal naive) + raw0, p90 = p50 + softplus(raw1), p99 = p90 + softplus(raw2).
import { tf } from './backend.js';
import { HORIZON_HOURS, INPUT_SIZE, LEVELS, WINDOW_HOURS } from './features.js';

export const HIDDEN = 64;

export function buildNetwork(seed: number): tf.LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed + k });
  const model = tf.sequential({ name: 'augur_quantile_v1' });
  model.add(tf.layers.dense({ inputShape: [INPUT_SIZE], units: HIDDEN, activation: 'relu', kernelInitializer: init(1), name: 'hidden1' }));
  model.add(tf.layers.dense({ units: HIDDEN, activation: 'relu', kernelInitializer: init(2), name: 'hidden2' }));
  model.add(
    tf.layers.dense({
      units: HORIZON_HOURS * LEVELS.length,
      kernelInitializer: tf.initializers.randomUniform({ minval: -0.01, maxval: 0.01, seed: seed + 3 }),
      name: 'quantiles',
    }),
  );
  return model;
}

/** [N, INPUT_SIZE] scaled features -> [N, HORIZON_HOURS, 3] scaled monotone quantiles. */
export function headQuantiles(model: tf.LayersModel, x: tf.Tensor2D, training = false): tf.Tensor3D {
  return tf.tidy(() => {
    const out = training ? (model.apply(x, { training: true }) as tf.Tensor) : (model.predict(x) as tf.Tensor);
    const raw = tf.reshape(out, [-1, HORIZON_HOURS, LEVELS.length]);
    const base = baseline(x);
    const [r0, r1, r2] = tf.split(raw, LEVELS.length, 2) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const p50 = tf.add(base, tf.squeeze(r0, [2]));
    const p90 = tf.add(p50, tf.softplus(tf.squeeze(r1, [2])));
    const p99 = tf.add(p90, tf.softplus(tf.squeeze(r2, [2])));
    return tf.stack([p50, p90, p99], 2) as tf.Tensor3D;
  });
}

/** The scaled block means 24 hours before each lead hour: [N, HORIZON_HOURS]. */
function baseline(x: tf.Tensor2D): tf.Tensor2D {
  const day = tf.slice(x, [0, WINDOW_HOURS - 24], [-1, 24]);
  const reps = Math.ceil(HORIZON_HOURS / 24);
  const tiled = reps > 1 ? tf.tile(day, [1, reps]) : day;
  return tf.slice(tiled, [0, 0], [-1, HORIZON_HOURS]);
}

/**
 * Mean pinball loss of quantile forecasts [N, H, 3] against targets [N, H, S] (S fine steps under
 * each hourly forecast), averaged over the 3 levels; targets that are NaN are masked by `mask`
 * ([N, H, S], 1 = use).
 */
export function pinballLossTf(pred: tf.Tensor3D, target: tf.Tensor3D, mask: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => {
    const q = tf.reshape(tf.tensor1d([...LEVELS]), [1, 1, 1, LEVELS.length]);
    const d = tf.sub(tf.expandDims(target, 3), tf.expandDims(pred, 2)); // [N, H, S, 3]
    const loss = tf.maximum(tf.mul(d, q), tf.mul(d, tf.sub(q, 1)));
    const m = tf.expandDims(mask, 3);
    return tf.div(tf.sum(tf.mul(loss, m)), tf.add(tf.mul(tf.sum(m), LEVELS.length), 1e-9));
  });
}
