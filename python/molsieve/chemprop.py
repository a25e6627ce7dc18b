"""Chemprop v2 checkpoints into molsieve model stores, without torch or chemprop.

A checkpoint (Lightning's .ckpt or Chemprop's model .pt) is a torch.save zip: a pickle
(`data.pkl`) whose tensors point at raw storages (`data/<key>`). The reader below rebuilds
tensors as numpy arrays and every other class (Chemprop's, Lightning's) as an inert record of
its name and arguments, so reading a checkpoint runs none of its code. models/chemprop_import
then maps what it holds onto molsieve's D-MPNN, or refuses with the reason.
"""

import hashlib
import json
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np

from . import _molsieve

# torch's storage classes by the dtype they hold.
_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class _Opaque(dict):
    """Stands for an object of a class the reader does not run: its name, its constructor's
    arguments and its pickled state. A dict so that dict subclasses (Lightning's AttributeDict)
    keep their items."""

    qualified_name = ""

    def __new__(cls, *args, **kwargs):
        record = dict.__new__(cls)
        record.args = args
        record.state = None
        return record

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        self.state = state


def _opaque_class(module, name):
    return type(name, (_Opaque,), {"qualified_name": f"{module}.{name}"})


def _rebuild_tensor(storage, offset, size, stride, *_):
    # The file's offset, sizes and strides must stay inside its storage: a damaged or crafted
    # checkpoint would otherwise read past the buffer.
    last = offset + sum((n - 1) * st for n, st in zip(size, stride)) if all(n > 0 for n in size) else offset
    if offset < 0 or any(n < 0 for n in size) or any(st < 0 for st in stride) or len(size) != len(stride) \
            or (all(n > 0 for n in size) and last >= len(storage)):
        raise pickle.UnpicklingError(f"a tensor of shape {tuple(size)} reaches beyond its storage of {len(storage)} values")
    if len(size) == 0:
        return storage[offset].copy()
    strides = [s * storage.itemsize for s in stride]
    return np.lib.stride_tricks.as_strided(storage[offset:], shape=tuple(size), strides=strides).copy()


def _rebuild_parameter(data, *_):
    return data


class _CheckpointUnpickler(pickle.Unpickler):
    def __init__(self, file, archive, prefix):
        super().__init__(file)
        self._archive = archive
        self._prefix = prefix

    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch._utils" and name in ("_rebuild_parameter", "_rebuild_parameter_with_state"):
            return _rebuild_parameter
        if module == "torch" and name in _STORAGE_DTYPES:
            return _STORAGE_DTYPES[name]
        if module == "torch" and name == "Size":
            return tuple
        return _opaque_class(module, name)

    def persistent_load(self, pid):
        kind, storage_type, key, _location, _numel = pid
        if kind != "storage":
            raise pickle.UnpicklingError(f"unknown persistent id {kind!r}")
        dtype = storage_type if isinstance(storage_type, type) and issubclass(storage_type, np.generic) else None
        if dtype is None:
            name = getattr(storage_type, "qualified_name", str(storage_type))
            raise pickle.UnpicklingError(f"storage of type {name} is not one the reader knows")
        data = self._archive.read(f"{self._prefix}data/{key}")
        return np.frombuffer(data, dtype=dtype)


def read_checkpoint(path):
    """A torch.save zip's top-level object, tensors as numpy arrays."""
    if not os.path.exists(path):
        raise _molsieve.Error(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise _molsieve.Error(f"{path}: not a torch.save zip (a Chemprop v2 .ckpt or .pt file)")
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n.endswith("data.pkl")]
        if len(pickles) != 1:
            raise _molsieve.Error(f"{path}: holds {len(pickles)} data.pkl files, a torch.save zip holds one")
        prefix = pickles[0][: -len("data.pkl")]
        with archive.open(pickles[0]) as f:
            try:
                return _CheckpointUnpickler(f, archive, prefix).load()
            except (pickle.UnpicklingError, EOFError, KeyError, ValueError) as e:
                raise _molsieve.Error(f"{path}: not a readable checkpoint: {e}") from None


def _plain(value):
    """Hyperparameters as JSON: opaque objects as {"class", "args", "state", "items"}; torch modules
    as {"class", "buffers", "modules", and their plain attributes}."""
    if isinstance(value, type):
        return {"class": getattr(value, "qualified_name", value.__name__)}
    if isinstance(value, _Opaque):
        record = {"class": value.qualified_name}
        if value.args:
            record["args"] = _plain(list(value.args))
        state = value.state
        if isinstance(state, dict) and "_modules" in state:  # a torch.nn.Module: its parts, not its hooks
            record["buffers"] = _plain(state.get("_buffers", {}))
            record["modules"] = _plain(state["_modules"])
            record.update({k: _plain(v) for k, v in state.items() if not k.startswith("_") and k != "training"})
        elif state is not None:
            record["state"] = _plain(state)
        if len(value):
            record["items"] = _plain(dict(value))
        return record
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"class": type(value).__name__}


def import_chemprop(checkpoint, output, tasks=None):
    """Converts a Chemprop v2 checkpoint into a molsieve model store at `output`.

    `tasks`: names for the model's outputs; by default the checkpoint's own
    (`output_columns`, in Chemprop's model files) or task_0, task_1, ...
    Raises molsieve.Error naming the checkpoint and the hyperparameter molsieve does not
    implement. Returns the model card as a dict.
    """
    checkpoint = os.fspath(checkpoint)
    content = read_checkpoint(checkpoint)
    if not isinstance(content, dict) or "state_dict" not in content or "hyper_parameters" not in content:
        raise _molsieve.Error(f"{checkpoint}: no state_dict and hyper_parameters: not a Chemprop v2 checkpoint")
    state_dict = {
        name: np.ascontiguousarray(value, dtype=np.float32)
        for name, value in content["state_dict"].items()
        if isinstance(value, np.ndarray)
    }
    if tasks is None and isinstance(content.get("output_columns"), (list, tuple)):
        tasks = [str(c) for c in content["output_columns"]]
    with open(checkpoint, "rb") as f:
        sha256 = hashlib.sha256(f.read()).hexdigest()
    versions = {k: str(v) for k, v in content.items() if k.endswith("_version") and isinstance(v, str)}
    card = _molsieve._import_chemprop(
        os.path.basename(checkpoint),
        sha256,
        json.dumps(_plain(content["hyper_parameters"])),
        state_dict,
        list(tasks or []),
        versions,
        os.fspath(output),
    )
    return json.loads(card)
