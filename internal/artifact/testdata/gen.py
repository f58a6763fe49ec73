"""Generates the artifact test fixtures. Python 3 stdlib only; nothing here
is loaded by the tests at run time. Run from this directory: python3 gen.py

Fake "torch" modules stand in for the real ones so that the pickles name
torch._utils._rebuild_tensor_v2 and torch.FloatStorage exactly as
torch.save writes them, without torch installed.
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import types
import zipfile


class Evil:
    """Pickles to a call of os.system("id") (never loaded by anything)."""

    def __reduce__(self):
        return (os.system, ("id",))


def fake_torch():
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):
        raise RuntimeError("fixture only")

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2

    class FloatStorage:
        pass

    FloatStorage.__module__ = "torch"
    FloatStorage.__qualname__ = "FloatStorage"
    torch.FloatStorage = FloatStorage
    torch._utils = utils
    sys.modules["torch"] = torch
    sys.modules["torch._utils"] = utils
    return torch


torch = fake_torch()


class Storage:
    def __init__(self, key):
        self.key = key


class Tensor:
    def __init__(self, key, shape):
        self.key, self.shape = key, shape

    def __reduce_ex__(self, protocol):
        stride = (self.shape[1], 1) if len(self.shape) == 2 else (1,)
        return (torch._utils._rebuild_tensor_v2,
                (Storage(self.key), 0, self.shape, stride, False, collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", torch.FloatStorage, obj.key, "cpu", 4)
        return None


def torch_pickle(obj):
    buf = io.BytesIO()
    TorchPickler(buf, protocol=2).dump(obj)
    return buf.getvalue()


def state_dict(evil=False):
    sd = collections.OrderedDict()
    sd["linear.weight"] = Tensor("0", (2, 2))
    sd["linear.bias"] = Tensor("1", (2,))
    if evil:
        sd["payload"] = Evil()
    return sd


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


def torch_zip(name, evil):
    with zipfile.ZipFile(name, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", torch_pickle(state_dict(evil)))
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/data/0", struct.pack("<4f", 1, 2, 3, 4))
        z.writestr("archive/data/1", struct.pack("<2f", 5, 6))
        z.writestr("archive/version", "3\n")


def torch_legacy(name, evil):
    out = io.BytesIO()
    for obj in (0x1950A86A20F9469CFC6C, 1001,
                {"protocol_version": 1001, "little_endian": True,
                 "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(obj, out, protocol=2)
    out.write(torch_pickle(state_dict(evil)))
    pickle.dump(["0", "1"], out, protocol=2)
    # Raw storages follow: an 8-byte element count, then the data.
    out.write(struct.pack("<q4f", 4, 1, 2, 3, 4))
    out.write(struct.pack("<q2f", 2, 5, 6))
    write(name, out.getvalue())


def safetensors(name):
    header = {
        "__metadata__": {"format": "pt"},
        "linear.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
        "steps": {"dtype": "I64", "shape": [3], "data_offsets": [16, 40]},
        "mask": {"dtype": "BOOL", "shape": [2], "data_offsets": [40, 42]},
    }
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)  # the writer pads to 8 bytes
    data = struct.pack("<4f3q2?", 1, 2, 3, 4, 7, 8, 9, True, False)
    write(name, struct.pack("<Q", len(h)) + h + data)


def npy_object(name, obj):
    header = b"{'descr': '|O', 'fortran_order': False, 'shape': (2,), }"
    header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    write(name, b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header
          + pickle.dumps(obj, protocol=3))


def main():
    plain = collections.OrderedDict(
        [("name", "bert"), ("layers", [1, 2, 3]), ("lr", 0.5), ("blob", b"\x00\x01"),
         ("nested", {"big": 2**80, "neg": -5, "flag": True, "none": None, "t": (1, "two")}),
         ("set", {1, 2}), ("bytearray", bytearray(b"xy"))])
    for proto in range(6):
        write(f"evil_p{proto}.pkl", pickle.dumps(Evil(), protocol=proto))
        write(f"plain_p{proto}.pkl", pickle.dumps(plain, protocol=proto))
    torch_zip("torch_zip.pt", evil=False)
    torch_zip("torch_zip_evil.pt", evil=True)
    torch_legacy("torch_legacy.bin", evil=False)
    torch_legacy("torch_legacy_evil.bin", evil=True)
    safetensors("model.safetensors")
    npy_object("object_evil.npy", [1, Evil()])


if __name__ == "__main__":
    main()
