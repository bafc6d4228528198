import { describe, expect, it } from 'vitest';
import { tensor } from '@lossgraph/tensor';
import { Dense, Sequential, Xavier, loadParameters, parametersToJSON, saveParameters } from '@lossgraph/nn';

const build = (inUnits?: number) =>
  new Sequential().add(new Dense(3, { activation: 'tanh', ...(inUnits === undefined ? {} : { inUnits }) }), new Dense(2));

function trained(): Sequential {
  const net = build(4);
  net.initialize({ init: new Xavier(), seed: 5 });
  net.forward([[1, 2, 3, 4]]);
  return net;
}

describe('saving and loading parameters', () => {
  it('writes name -> { shape, dtype, data }', () => {
    const net = trained();
    const saved = parametersToJSON(net);
    expect(Object.keys(saved)).toEqual(['dense0.weight', 'dense0.bias', 'dense1.weight', 'dense1.bias']);
    expect(saved['dense0.weight']!.shape).toEqual([3, 4]);
    expect(saved['dense0.weight']!.dtype).toBe('float32');
    expect(saved['dense0.weight']!.data).toEqual(Array.from(net.collectParams().get('dense0.weight')!.data().dataSync()));
    expect(saved['dense1.bias']).toEqual({ shape: [2], dtype: 'float32', data: [0, 0] });
  });

  it('round-trips exactly through a JSON string, into a fresh model with deferred shapes', () => {
    const net = trained();
    const json = saveParameters(net);
    const copy = build();
    copy.loadParameters(json);
    const x = tensor([[0.5, -1, 2, 0.25], [1, 1, 1, 1]]);
    expect(copy.forward(x).toArray()).toEqual(net.forward(x).toArray());
    for (const [name, p] of net.collectParams()) {
      expect(copy.collectParams().get(name)!.data().dataSync()).toEqual(p.data().dataSync());
    }
  });

  it('keeps the Variables of an initialised model and converts to its dtype with allowCast', () => {
    const net = trained();
    const target = new Sequential().add(new Dense(3, { inUnits: 4, dtype: 'float64' }), new Dense(2, { dtype: 'float64' }));
    target.initialize();
    target.forward([[0, 0, 0, 0]]);
    const leaf = target.collectParams().get('dense0.weight')!.variable;
    expect(() => loadParameters(target, parametersToJSON(net))).toThrow(
      "loadParameters: parameter 'dense0.weight' is float64 but was saved as float32 (pass { allowCast: true } to convert the saved values)",
    );
    expect(leaf.version).toBe(0);
    loadParameters(target, parametersToJSON(net), { allowCast: true });
    expect(target.collectParams().get('dense0.weight')!.variable).toBe(leaf);
    expect(leaf.dtype).toBe('float64');
    expect(Array.from(leaf.dataSync())).toEqual(Array.from(net.collectParams().get('dense0.weight')!.data().dataSync()));
  });

  it('keeps NaN and infinities', () => {
    const layer = new Dense(3, { inUnits: 1 }).initialize();
    layer.weight.setData([[NaN], [Infinity], [-Infinity]]);
    const copy = new Dense(3, { inUnits: 1 });
    copy.loadParameters(layer.saveParameters());
    expect(Array.from(copy.weight.data().dataSync())).toEqual([NaN, Infinity, -Infinity]);
  });

  it('names the parameter on a shape mismatch and changes nothing', () => {
    const net = trained();
    const other = new Sequential().add(new Dense(3, { inUnits: 5 }), new Dense(2, { inUnits: 3 })).initialize({ init: 'zeros' });
    expect(() => other.loadParameters(net.saveParameters())).toThrow(/parameter 'dense0.weight' has shape \[3, 5\] but the saved value has shape \[3, 4\]/);
    expect(other.collectParams().get('dense1.weight')!.data().toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
  });

  it('reports missing and extra parameters unless allowed', () => {
    const net = trained();
    const saved = parametersToJSON(net);
    const partial = { ...saved };
    delete partial['dense1.bias'];
    const target = build(4).initialize({ init: 'zeros' });
    expect(() => target.loadParameters(partial)).toThrow(/lack 'dense1.bias'/);
    target.loadParameters(partial, { allowMissing: true });
    expect(target.collectParams().get('dense1.bias')!.data().toArray()).toEqual([0, 0]);
    const extra = { ...saved, 'dense9.weight': { shape: [1], dtype: 'float32' as const, data: [1] } };
    expect(() => target.loadParameters(extra)).toThrow(/no parameter 'dense9.weight'/);
    target.loadParameters(extra, { ignoreExtra: true });
  });

  it('refuses an int32 file for a float32 model unless allowCast', () => {
    const layer = new Dense(2, { inUnits: 1 }).initialize({ init: 'zeros' });
    const saved = { weight: { shape: [2, 1], dtype: 'int32' as const, data: [3, 4] }, bias: { shape: [2], dtype: 'float32' as const, data: [0, 0] } };
    expect(() => layer.loadParameters(saved)).toThrow(/parameter 'weight' is float32 but was saved as int32/);
    expect(layer.weight.data().toArray()).toEqual([[0], [0]]);
    layer.loadParameters(saved, { allowCast: true });
    expect(layer.weight.data().toArray()).toEqual([[3], [4]]);
  });

  it('reports a saved value outside the float range as such, with its position', () => {
    const layer = new Dense(2, { inUnits: 1 }).initialize({ init: 'zeros' });
    const json = '{"weight":{"shape":[2,1],"dtype":"float32","data":[1,1e400]},"bias":{"shape":[2],"dtype":"float32","data":[0,0]}}';
    expect(() => layer.loadParameters(json)).toThrow(
      "loadParameters: saved['weight'].data[1] is outside the float32 range (got Infinity: a JSON number beyond the double range, " +
        "such as 1e400, reads as Infinity); write infinities as the strings 'Infinity' and '-Infinity'",
    );
    expect(() => layer.loadParameters(json.replace('1e400', '-1e39'))).toThrow(/saved\['weight'\]\.data\[1\] is outside the float32 range \(got -1e\+39\)/);
    expect(layer.weight.data().toArray()).toEqual([[0], [0]]);
    const wide = new Dense(2, { inUnits: 1, dtype: 'float64' }).initialize({ init: 'zeros' });
    wide.loadParameters(json.replace('1e400', '1e39').replaceAll('float32', 'float64'));
    expect(wide.weight.data().toArray()).toEqual([[1], [1e39]]);
  });

  it('rejects malformed files with a message naming the entry', () => {
    const target = build(4);
    expect(() => target.loadParameters('{not json')).toThrow(/not valid JSON/);
    expect(() => target.loadParameters({ 'dense0.weight': { shape: [3, 4], dtype: 'float16', data: [] } } as never)).toThrow(/saved\.dense0\.weight\.dtype/);
    const wrongCount = { ...parametersToJSON(trained()) };
    wrongCount['dense0.bias'] = { shape: [3], dtype: 'float32', data: [1, 2] };
    expect(() => target.loadParameters(wrongCount)).toThrow(/'dense0.bias' is saved with shape \[3\] \(3 values\) but 2 values/);
    expect(() => saveParameters(build())).toThrow(/not initialised/);
  });
});
