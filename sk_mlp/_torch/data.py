"""Tensor datasets and the batch iterator that feeds them to the network.

The data are moved to the target device once per ``fit``; every batch is an
index slice of a per-epoch permutation, so there is no per-sample Python work
and no per-batch host-to-device copy.
"""

import numpy as np
import torch

# Values densified at a time from a sparse matrix (about 4M: 32 MB in
# float64), for predicting and for the input-scaling statistics alike.
DENSE_CHUNK_VALUES = 2**22


def to_tensor(array, device, dtype=np.float32):
    """Return ``array`` as a C-ordered tensor of ``dtype`` on ``device``.

    At most one copy is made; read-only arrays (memory maps) are copied
    because torch cannot wrap them.
    """
    array = np.ascontiguousarray(array, dtype=dtype)
    if not array.flags.writeable:
        array = array.copy()
    return torch.as_tensor(array, device=device)


class TensorData:
    """Inputs, targets and optional sample weights held as tensors.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, n_features), or a SciPy sparse
        matrix (CSR), densified one batch at a time
    y : torch.Tensor or None
    sample_weight : torch.Tensor of shape (n_samples,) or None
    device, dtype : where and as what (NumPy dtype) sparse batches are made
    weight_mean : float
        The mean the sample weights had before they were normalised to mean 1
        (scikit-learn's ``alpha`` penalty is relative to the total weight).
    """

    def __init__(self, X, y=None, sample_weight=None, device="cpu", dtype=np.float32,
                 weight_mean=1.0):
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        self.weight_mean = weight_mean
        self.device = device
        self.dtype = dtype

    def __len__(self):
        return self.X.shape[0]

    def take(self, index):
        """A batch ``(X, target)``; the target is ``(y, w)`` when weighted."""
        if isinstance(self.X, torch.Tensor):
            X = self.X[index]
        else:  # sparse: only this batch becomes dense, on the device
            rows = index.cpu().numpy() if isinstance(index, torch.Tensor) else index
            X = to_tensor(self.X[rows].toarray(), self.device, self.dtype)
        if self.y is None:
            return X, None
        y = self.y[index]
        if self.sample_weight is None:
            return X, y
        return X, (y, self.sample_weight[index])


class BatchIterator:
    """Iterate over a :class:`TensorData` in batches.

    Parameters
    ----------
    dataset : TensorData
    batch_size : int
    shuffle : bool
        Draw a new permutation for every pass.
    generator : torch.Generator or None
        Source of the permutations; must live on the data's device.
    """

    def __init__(self, dataset, batch_size, shuffle=False, generator=None):
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            device = (self.dataset.X.device if isinstance(self.dataset.X, torch.Tensor)
                      else self.dataset.device)
            order = torch.randperm(n, generator=self.generator, device=device)
            for start in range(0, n, self.batch_size):
                yield self.dataset.take(order[start : start + self.batch_size])
        else:
            for start in range(0, n, self.batch_size):
                yield self.dataset.take(slice(start, start + self.batch_size))
