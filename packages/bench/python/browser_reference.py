# The float64 first losses of `pnpm bench:browser` (packages/bench/src/browser/page.ts): the same
# seeded inputs and weights (its LCG), computed with numpy; packages/bench/test/browser.test.ts uses them.
import numpy as np
def uniform(n, seed, scale):
    out = np.empty(n, dtype=np.float32); s = seed & 0xffffffff
    for i in range(n):
        s = (s * 1664525 + 1013904223) & 0xffffffff
        out[i] = np.float32((s / 2**32 * 2 - 1) * scale)
    return out
def labels(n, c): return np.array([(i * 7) % c for i in range(n)])
def ce(z, y):
    z = z - z.max(1, keepdims=True); ls = z - np.log(np.exp(z).sum(1, keepdims=True))
    return -ls[np.arange(len(y)), y].mean()
x = uniform(64*784, 1, 1).astype(np.float64).reshape(64, 784)
w1 = uniform(784*128, 2, np.sqrt(6/(784+128))).astype(np.float64).reshape(784, 128)
w2 = uniform(128*10, 3, np.sqrt(6/(128+10))).astype(np.float64).reshape(128, 10)
print('mlp', ce(np.maximum(x @ w1, 0) @ w2, labels(64, 10)))
z = uniform(1024*1000, 4, 3).astype(np.float64).reshape(1024, 1000)
print('ce', ce(z, labels(1024, 1000)))
